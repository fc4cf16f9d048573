/**
 * FHIR content types and format negotiation (digest §5.4, GP Connect 1.2.7
 * development_general_api_guidance.md §Content types): the response format comes from `_format`,
 * else `Accept`, else the request `Content-Type`; absent or `*\/*` means JSON; a format the server
 * does not support gives 415 (the caller renders `error` as the diagnostics).
 *
 * `strict` (the gpconnect-1.2.7 profile) accepts only the two FHIR types, as the reference provider
 * (DEMO) does: `_format=json`, `application/json` and the DSTU2 `application/json+fhir` are 415.
 * Lenient (careconnect) also accepts application/json, application/xml, text/xml, the DSTU2 forms
 * and, in `_format` only, the short forms `json` and `xml`. A `charset` parameter must be utf-8.
 */
import { toFhirXml } from './xml.js';

/** Exactly as GP Connect sends it: no space before `charset` (1.2.0 change). */
export const FHIR_JSON = 'application/fhir+json;charset=utf-8';
export const FHIR_XML = 'application/fhir+xml;charset=utf-8';

export type FhirFormat = 'json' | 'xml';
export type FormatError = { error: string };

export interface NegotiationInput {
  /** The `_format` query parameter; repeated parameters arrive as an array (the first is used). */
  formatParam?: string | string[] | undefined;
  accept?: string | undefined;
  contentType?: string | undefined;
  /** true for gpconnect-1.2.7: only application/fhir+json and application/fhir+xml. Default false. */
  strict?: boolean | undefined;
}

const FHIR_TYPES: Readonly<Record<string, FhirFormat>> = {
  'application/fhir+json': 'json',
  'application/fhir+xml': 'xml',
};

const LENIENT_TYPES: Readonly<Record<string, FhirFormat>> = {
  ...FHIR_TYPES,
  'application/json': 'json',
  'application/xml': 'xml',
  'text/xml': 'xml',
  'application/json+fhir': 'json',
  'application/xml+fhir': 'xml',
};

const SHORT_FORMS: Readonly<Record<string, FhirFormat>> = { json: 'json', xml: 'xml' };

interface MediaRange {
  type: string;
  params: Map<string, string>;
}

function parseMediaRange(text: string): MediaRange {
  const [type = '', ...rest] = text.split(';');
  const params = new Map<string, string>();
  for (const param of rest) {
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    const value = param.slice(eq + 1).trim();
    params.set(
      param.slice(0, eq).trim().toLowerCase(),
      value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value,
    );
  }
  return { type: type.trim().toLowerCase(), params };
}

function charsetOk(range: MediaRange): boolean {
  const charset = range.params.get('charset');
  return charset === undefined || charset.toLowerCase() === 'utf-8';
}

function typesFor(strict: boolean): Readonly<Record<string, FhirFormat>> {
  return strict ? FHIR_TYPES : LENIENT_TYPES;
}

function supportedList(strict: boolean, withShortForms: boolean): string {
  const names = Object.keys(typesFor(strict));
  if (withShortForms && !strict) names.push(...Object.keys(SHORT_FORMS));
  return names.join(', ');
}

/** The format a single media type (not a list) names, or undefined when unsupported. */
function formatOf(range: MediaRange, strict: boolean, allowShortForms: boolean): FhirFormat | undefined {
  if (!charsetOk(range)) return undefined;
  if (range.type === '*/*') return 'json';
  const format = typesFor(strict)[range.type];
  if (format) return format;
  return allowShortForms && !strict ? SHORT_FORMS[range.type] : undefined;
}

function fromFormatParam(value: string, strict: boolean): FhirFormat | FormatError {
  const range = parseMediaRange(value);
  // An unencoded `+` in a query string decodes to a space: `_format=application/fhir+xml` arrives as
  // "application/fhir xml". The client meant the FHIR type, so read it as such.
  range.type = range.type.replace(/^(application\/fhir) (json|xml)$/, '$1+$2');
  return (
    formatOf(range, strict, true) ?? {
      error: `_format "${value}" is not a supported format: use one of ${supportedList(strict, true)}`,
    }
  );
}

function fromAccept(accept: string, strict: boolean): FhirFormat | FormatError {
  interface Candidate {
    format: FhirFormat;
    q: number;
    exact: boolean;
    index: number;
  }
  const ranges = accept
    .split(',')
    .map((part) => parseMediaRange(part))
    .filter((r) => r.type !== '');
  const q = (r: MediaRange): number => {
    const raw = r.params.get('q');
    const n = raw === undefined ? 1 : Number.parseFloat(raw);
    return Number.isNaN(n) ? 1 : Math.min(Math.max(n, 0), 1);
  };
  // Formats the client refused outright (q=0 on an exact type) are not picked through a wildcard.
  const refused = new Set<FhirFormat>();
  for (const r of ranges) {
    const format = typesFor(strict)[r.type];
    if (format && q(r) === 0) refused.add(format);
  }
  const candidates: Candidate[] = [];
  ranges.forEach((r, index) => {
    if (!charsetOk(r) || q(r) === 0) return;
    const exact = typesFor(strict)[r.type];
    if (exact) {
      candidates.push({ format: exact, q: q(r), exact: true, index });
      return;
    }
    const wildcard: FhirFormat[] =
      r.type === '*/*' || r.type === 'application/*'
        ? ['json', 'xml']
        : r.type === 'text/*' && !strict
          ? ['xml']
          : [];
    const format = wildcard.find((f) => !refused.has(f));
    if (format) candidates.push({ format, q: q(r), exact: false, index });
  });
  candidates.sort((a, b) => b.q - a.q || Number(b.exact) - Number(a.exact) || a.index - b.index);
  return (
    candidates[0]?.format ?? {
      error: `Accept "${accept}" names no format this server returns: use one of ${supportedList(strict, false)}`,
    }
  );
}

/**
 * Picks the response format: `_format` > `Accept` > request `Content-Type` > JSON.
 * Returns `{ error }` (the diagnostics for a 415) when the deciding one names an unsupported format.
 */
/** Clients send the same few header combinations over and over: remember the answers (bounded). */
const negotiated = new Map<string, { format: FhirFormat } | FormatError>();

export function negotiateResponseFormat(input: NegotiationInput): { format: FhirFormat } | FormatError {
  if (
    Array.isArray(input.formatParam) ||
    (input.formatParam !== undefined && typeof input.formatParam !== 'string')
  ) {
    return negotiate(input);
  }
  const key = `${input.strict ? 1 : 0}\u0000${input.formatParam ?? ''}\u0000${input.accept ?? ''}\u0000${input.contentType ?? ''}`;
  let result = negotiated.get(key);
  if (!result) {
    result = negotiate(input);
    if (negotiated.size >= 256) negotiated.clear();
    negotiated.set(key, result);
  }
  return result;
}

function negotiate(input: NegotiationInput): { format: FhirFormat } | FormatError {
  const strict = input.strict ?? false;
  const formatParams = Array.isArray(input.formatParam) ? input.formatParam : [input.formatParam];
  // typeof: a query parser may hand over an object for `_format[x]=…`; that is not a format.
  const formatParam = formatParams.find((f) => typeof f === 'string' && f.trim() !== '');
  let result: FhirFormat | FormatError;
  if (formatParam !== undefined) {
    result = fromFormatParam(formatParam, strict);
  } else if (input.accept !== undefined && input.accept.trim() !== '') {
    result = fromAccept(input.accept, strict);
  } else if (input.contentType !== undefined && input.contentType.trim() !== '') {
    const format = formatOf(parseMediaRange(input.contentType), strict, false);
    result = format ?? {
      error: `Content-Type "${input.contentType}" is not a supported format (and no _format or Accept was sent): use one of ${supportedList(strict, false)}`,
    };
  } else {
    result = 'json';
  }
  return typeof result === 'string' ? { format: result } : result;
}

/**
 * The format of a request body, from its Content-Type (with or without a charset) and the media
 * types the profile accepts (e.g. ['application/fhir+json', 'application/fhir+xml']). A missing
 * Content-Type is an error, as in DEMO (415).
 */
export function requestBodyFormat(
  contentType: string | undefined,
  allowed: readonly string[],
): FhirFormat | FormatError {
  const accepted = `use one of ${allowed.join(', ')}`;
  if (contentType === undefined || contentType.trim() === '') {
    return { error: `the request has a body but no Content-Type header: ${accepted}` };
  }
  const range = parseMediaRange(contentType);
  if (!charsetOk(range)) {
    return {
      error: `Content-Type "${contentType}": charset ${range.params.get('charset')} is not supported, only utf-8`,
    };
  }
  if (!allowed.some((a) => a.toLowerCase() === range.type)) {
    return { error: `Content-Type "${contentType}" is not supported for a request body: ${accepted}` };
  }
  const format =
    LENIENT_TYPES[range.type] ??
    (range.type.endsWith('json') ? 'json' : range.type.endsWith('xml') ? 'xml' : undefined);
  return format ?? { error: `Content-Type "${contentType}" is not a FHIR format: ${accepted}` };
}

/** Renders a resource in the negotiated format, with the exact Content-Type to send. */
export function serialize(resource: object, format: FhirFormat): { body: string; contentType: string } {
  return format === 'xml'
    ? { body: toFhirXml(resource), contentType: FHIR_XML }
    : { body: JSON.stringify(resource), contentType: FHIR_JSON };
}
