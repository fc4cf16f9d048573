import { describe, expect, it } from 'vitest';
import { PROFILES } from '../profiles/index.js';
import {
  FHIR_JSON,
  FHIR_XML,
  type NegotiationInput,
  negotiateResponseFormat,
  requestBodyFormat,
  serialize,
} from './format.js';
import { fromFhirXml } from './xml.js';

// The two profiles' responseFormats rows: "strict" is gpconnect-1.2.7's, "lenient" careconnect's.
const STRICT = PROFILES['gpconnect-1.2.7'].responseFormats;
const LENIENT = PROFILES.careconnect.responseFormats;

const FJ = 'application/fhir+json';
const FX = 'application/fhir+xml';

type Row = [
  rule: string,
  input: NegotiationInput,
  strict: 'json' | 'xml' | 415,
  lenient: 'json' | 'xml' | 415,
];

// One row per rule of digest §5.4 / PRODUCT.md; the last two columns are gpconnect-1.2.7 (strict)
// and careconnect (lenient).
const rows: Row[] = [
  ['nothing sent means JSON', {}, 'json', 'json'],
  [
    'empty headers and an empty _format count as absent',
    { formatParam: '', accept: ' ', contentType: '' },
    'json',
    'json',
  ],
  ['_format names the FHIR JSON type', { formatParam: FJ }, 'json', 'json'],
  ['_format names the FHIR XML type', { formatParam: FX }, 'xml', 'xml'],
  ['_format wins over Accept', { formatParam: FX, accept: FJ }, 'xml', 'xml'],
  ['_format wins over Content-Type', { formatParam: FJ, contentType: FX }, 'json', 'json'],
  ['Accept wins over Content-Type', { accept: FX, contentType: FJ }, 'xml', 'xml'],
  [
    'Content-Type decides when there is no _format or Accept',
    { contentType: `${FX};charset=utf-8` },
    'xml',
    'xml',
  ],
  ['*/* means JSON in _format', { formatParam: '*/*' }, 'json', 'json'],
  ['*/* means JSON in Accept', { accept: '*/*' }, 'json', 'json'],
  ['a repeated _format uses the first value', { formatParam: [FX, FJ] }, 'xml', 'xml'],
  [
    '_format with an unencoded + (decoded to a space) is read as the FHIR type',
    { formatParam: 'application/fhir xml' },
    'xml',
    'xml',
  ],
  ['_format with charset=utf-8 is accepted', { formatParam: `${FX};charset=utf-8` }, 'xml', 'xml'],
  ['media types are case-insensitive', { accept: 'Application/FHIR+XML; Charset=UTF-8' }, 'xml', 'xml'],
  ['_format=json is only a lenient short form', { formatParam: 'json' }, 415, 'json'],
  ['_format=xml is only a lenient short form', { formatParam: 'xml' }, 415, 'xml'],
  ['_format=application/json is lenient only', { formatParam: 'application/json' }, 415, 'json'],
  [
    'the DSTU2 type application/json+fhir is lenient only',
    { formatParam: 'application/json+fhir' },
    415,
    'json',
  ],
  ['Accept: application/json is lenient only', { accept: 'application/json' }, 415, 'json'],
  ['Accept: application/xml is lenient only', { accept: 'application/xml' }, 415, 'xml'],
  ['Accept: text/xml is lenient only', { accept: 'text/xml' }, 415, 'xml'],
  ['short forms are not media types in Accept', { accept: 'xml' }, 415, 415],
  [
    'an unsupported _format is 415 even with a good Accept',
    { formatParam: 'text/html', accept: FJ },
    415,
    415,
  ],
  ['an unsupported Content-Type decides when nothing else is sent', { contentType: 'text/plain' }, 415, 415],
  ['a charset other than utf-8 is refused in _format', { formatParam: `${FJ};charset=iso-8859-1` }, 415, 415],
  [
    'a charset other than utf-8 is refused in Content-Type',
    { contentType: `${FX};charset=utf-16` },
    415,
    415,
  ],
  ['Accept picks the highest q-value', { accept: `${FJ};q=0.5, ${FX};q=0.9` }, 'xml', 'xml'],
  ['Accept prefers an exact type over */* at the same q', { accept: `*/*, ${FX}` }, 'xml', 'xml'],
  ['Accept keeps list order between equal exact types', { accept: `${FX}, ${FJ}` }, 'xml', 'xml'],
  [
    'Accept skips a supported type with a bad charset',
    { accept: `${FX};charset=latin1, ${FJ};q=0.1` },
    'json',
    'json',
  ],
  ['Accept skips q=0 and unsupported types', { accept: `text/html, ${FX};q=0, ${FJ};q=0.2` }, 'json', 'json'],
  [
    'a wildcard does not bring back a type refused with q=0',
    { accept: `${FJ};q=0, */*;q=0.1` },
    'xml',
    'xml',
  ],
  [
    'a browser Accept gets XML through application/xml when lenient',
    { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' },
    'json',
    'xml',
  ],
  [
    'an axios-style Accept gets JSON through */*',
    { accept: 'application/json, text/plain, */*' },
    'json',
    'json',
  ],
  ['application/* matches JSON', { accept: 'application/*' }, 'json', 'json'],
  ['text/* matches text/xml when lenient', { accept: 'text/*' }, 415, 'xml'],
  ['an Accept with nothing supported is 415', { accept: 'text/html, image/png' }, 415, 415],
  // An Accept that names no format answers in the request body's format (issue 14).
  ['*/* with an XML body answers XML', { accept: '*/*', contentType: `${FX};charset=utf-8` }, 'xml', 'xml'],
  ['application/* with an XML body answers XML', { accept: 'application/*', contentType: FX }, 'xml', 'xml'],
  ['*/* with a JSON body answers JSON', { accept: '*/*', contentType: FJ }, 'json', 'json'],
  [
    '*/* with an unsupported Content-Type answers JSON (the body is refused on its own)',
    { accept: '*/*', contentType: 'text/plain' },
    'json',
    'json',
  ],
  [
    'an axios-style Accept with an XML body: XML unless application/json is served',
    { accept: 'application/json, text/plain, */*', contentType: FX },
    'xml',
    'json',
  ],
  ['an exact type still wins over the body', { accept: FJ, contentType: FX }, 'json', 'json'],
  // Several Accept lines (a default from `headers | curl -K -` plus the user's -H).
  ['a later Accept line wins a tie', { accept: [FJ, FX] }, 'xml', 'xml'],
  ['a later Accept line wins a tie, the other way', { accept: [FX, FJ] }, 'json', 'json'],
  ['a FHIR type in one line beats */* in a later one', { accept: [FX, '*/*'] }, 'xml', 'xml'],
  ['a FHIR type beats */* in an earlier line', { accept: ['*/*', FX] }, 'xml', 'xml'],
  ['a FHIR type beats application/json at the same q', { accept: `application/json, ${FX}` }, 'xml', 'xml'],
  ['q still outranks a later line', { accept: [FJ, `${FX};q=0.5`] }, 'json', 'json'],
  ['a blank Accept line is ignored', { accept: [FX, ' '] }, 'xml', 'xml'],
  ['a _format named like an object property is no format', { formatParam: 'constructor' }, 415, 415],
  ['an Accept named like an object property is no format', { accept: 'toString' }, 415, 415],
  ['a Content-Type named like an object property is no format', { contentType: '__proto__' }, 415, 415],
];

describe('negotiateResponseFormat', () => {
  it.each(rows)('%s', (_rule, input, strict, lenient) => {
    for (const [mode, rules, expected] of [
      [true, STRICT, strict],
      [false, LENIENT, lenient],
    ] as const) {
      const result = negotiateResponseFormat({ ...input, rules });
      if (expected === 415) {
        expect(result, `strict=${mode}`).toHaveProperty('error');
      } else {
        expect(result, `strict=${mode}`).toEqual({ format: expected });
      }
    }
  });

  it('is lenient unless told otherwise', () => {
    expect(negotiateResponseFormat({ accept: 'application/json' })).toEqual({ format: 'json' });
  });

  it('says which input was wrong and what to send instead', () => {
    expect(negotiateResponseFormat({ formatParam: 'json', rules: STRICT })).toEqual({
      error:
        '_format "json" is not a supported format: use one of application/fhir+json, application/fhir+xml',
    });
    expect(negotiateResponseFormat({ accept: 'text/html', rules: STRICT })).toEqual({
      error:
        'Accept "text/html" names no format this server returns: use one of application/fhir+json, application/fhir+xml',
    });
    expect(negotiateResponseFormat({ contentType: 'text/plain', rules: STRICT })).toMatchObject({
      error: expect.stringContaining('Content-Type "text/plain" is not a supported format'),
    });
  });
});

describe('requestBodyFormat', () => {
  const gpconnect = [FJ, FX];
  const careconnect = [FJ, 'application/json', FX];

  it.each([
    ['FHIR JSON', FJ, gpconnect, 'json'],
    ['FHIR JSON with charset', `${FJ};charset=utf-8`, gpconnect, 'json'],
    ['FHIR XML with a spaced, quoted, upper-case charset', `${FX}; charset="UTF-8"`, gpconnect, 'xml'],
    ['plain JSON where the profile allows it', 'application/json', careconnect, 'json'],
  ] as const)('reads %s', (_name, contentType, allowed, expected) => {
    expect(requestBodyFormat(contentType, allowed)).toBe(expected);
  });

  it.each([
    [
      'a missing Content-Type',
      undefined,
      gpconnect,
      /no Content-Type header: use one of application\/fhir\+json, application\/fhir\+xml/,
    ],
    [
      'plain JSON where the profile does not allow it',
      'application/json',
      gpconnect,
      /"application\/json" is not supported for a request body/,
    ],
    [
      'application/xml where no profile allows it',
      'application/xml',
      careconnect,
      /not supported for a request body/,
    ],
    [
      'a charset other than utf-8',
      `${FJ};charset=iso-8859-1`,
      gpconnect,
      /charset iso-8859-1 is not supported, only utf-8/,
    ],
    ['a form body', 'application/x-www-form-urlencoded', careconnect, /not supported for a request body/],
  ] as const)('refuses %s', (_name, contentType, allowed, message) => {
    const result = requestBodyFormat(contentType, allowed);
    expect(result).toHaveProperty('error');
    expect((result as { error: string }).error).toMatch(message);
  });
});

describe('serialize', () => {
  const outcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid' }] };

  it('sends JSON with the exact GP Connect content type (no space before charset)', () => {
    expect(FHIR_JSON).toBe('application/fhir+json;charset=utf-8');
    expect(serialize(outcome, 'json')).toEqual({ body: JSON.stringify(outcome), contentType: FHIR_JSON });
  });

  it('sends XML as FHIR XML', () => {
    const { body, contentType } = serialize(outcome, 'xml');
    expect(contentType).toBe(FHIR_XML);
    expect(
      body.startsWith('<?xml version="1.0" encoding="UTF-8"?><OperationOutcome xmlns="http://hl7.org/fhir">'),
    ).toBe(true);
    expect(fromFhirXml(body)).toEqual(outcome);
  });
});
