/**
 * FHIR content types and format negotiation (digest §5.4, GP Connect 1.2.7
 * development_general_api_guidance.md §Content types): the response format comes from `_format`,
 * else `Accept`, else the request `Content-Type`; an Accept of `*\/*` answers in the request
 * body's format, and with nothing to go on the answer is JSON; a format the server does not
 * support gives 415 (the caller renders `error` as the diagnostics).
 *
 * `strict` (the gpconnect-1.2.7 profile) accepts only the two FHIR types, as the reference provider
 * (DEMO) does: `_format=json`, `application/json` and the DSTU2 `application/json+fhir` are 415.
 * Lenient (careconnect) also accepts application/json, application/xml, text/xml, the DSTU2 forms
 * and, in `_format` only, the short forms `json` and `xml`. A `charset` parameter must be utf-8.
 */
import { withoutEmpty } from './without-empty.js';
import { toFhirXml } from './xml.js';

/** Exactly as GP Connect sends it: no space before `charset` (1.2.0 change). */
export const FHIR_JSON = 'application/fhir+json;charset=utf-8';
export const FHIR_XML = 'application/fhir+xml;charset=utf-8';

export type FhirFormat = 'json' | 'xml';
export type FormatError = { error: string };

export interface NegotiationInput {
  /** The `_format` query parameter; repeated parameters arrive as an array (the first is used). */
  formatParam?: string | string[] | undefined;
  /** The Accept header; several header lines as an array, in the order sent (a later one wins ties). */
  accept?: string | readonly string[] | undefined;
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

/** How specific a media range is, for ties at equal q: a FHIR type, another exact type, a wildcard. */
enum Specificity {
  Wildcard = 0,
  Exact = 1,
  Fhir = 2,
}

/**
 * The format the Accept header lines ask for, `'any'` when the best they name is a wildcard that
 * takes JSON and XML alike (`*\/*`, `application/*`), or an error when they name nothing supported.
 * Ranked by q, then specificity (a FHIR type beats application/json or a wildcard), then header
 * line (a later Accept line overrides an earlier one: `gpc-sandbox headers | curl -K -` followed by
 * `-H 'Accept: application/fhir+xml'` means XML), then position in the line (RFC 9110 §12.5.1 leaves
 * ties to the server).
 */
function fromAccept(lines: readonly string[], strict: boolean): FhirFormat | 'any' | FormatError {
  interface Candidate {
    format: FhirFormat | 'any';
    q: number;
    specificity: Specificity;
    line: number;
    index: number;
  }
  const ranges = lines.flatMap((text, line) =>
    text
      .split(',')
      .map((part, index) => ({ range: parseMediaRange(part), line, index }))
      .filter((r) => r.range.type !== ''),
  );
  const q = (r: MediaRange): number => {
    const raw = r.params.get('q');
    const n = raw === undefined ? 1 : Number.parseFloat(raw);
    return Number.isNaN(n) ? 1 : Math.min(Math.max(n, 0), 1);
  };
  // Formats the client refused outright (q=0 on an exact type) are not picked through a wildcard.
  const refused = new Set<FhirFormat>();
  for (const { range } of ranges) {
    const format = typesFor(strict)[range.type];
    if (format && q(range) === 0) refused.add(format);
  }
  const candidates: Candidate[] = [];
  for (const { range, line, index } of ranges) {
    if (!charsetOk(range) || q(range) === 0) continue;
    const exact = typesFor(strict)[range.type];
    if (exact) {
      const specificity = FHIR_TYPES[range.type] ? Specificity.Fhir : Specificity.Exact;
      candidates.push({ format: exact, q: q(range), specificity, line, index });
      continue;
    }
    const wildcard: FhirFormat[] =
      range.type === '*/*' || range.type === 'application/*'
        ? ['json', 'xml']
        : range.type === 'text/*' && !strict
          ? ['xml']
          : [];
    const open = wildcard.filter((f) => !refused.has(f));
    if (open.length === 0) continue;
    const format = open.length === 2 ? 'any' : open[0]!;
    candidates.push({ format, q: q(range), specificity: Specificity.Wildcard, line, index });
  }
  candidates.sort(
    (a, b) => b.q - a.q || b.specificity - a.specificity || b.line - a.line || a.index - b.index,
  );
  return (
    candidates[0]?.format ?? {
      error: `Accept "${lines.join(', ')}" names no format this server returns: use one of ${supportedList(strict, false)}`,
    }
  );
}

/** Clients send the same few header combinations over and over: remember the answers (bounded). */
const negotiated = new Map<string, { format: FhirFormat } | FormatError>();

/**
 * Picks the response format (GP Connect development_general_api_guidance.md §Content types):
 * `_format`, else `Accept`, else the request `Content-Type`, else JSON. An Accept that names no
 * particular format (`*\/*`, curl's and many clients' default, or `application/*`) defers to the
 * request's Content-Type when that names a supported format, so an XML body is answered in XML.
 * Returns `{ error }` (the diagnostics for a 415) when the deciding one names an unsupported format.
 */
export function negotiateResponseFormat(input: NegotiationInput): { format: FhirFormat } | FormatError {
  if (
    Array.isArray(input.formatParam) ||
    (input.formatParam !== undefined && typeof input.formatParam !== 'string')
  ) {
    return negotiate(input);
  }
  const accept = typeof input.accept === 'string' ? input.accept : (input.accept ?? []).join('\n');
  const key = `${input.strict ? 1 : 0}\u0000${input.formatParam ?? ''}\u0000${accept}\u0000${input.contentType ?? ''}`;
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
  const acceptLines = (typeof input.accept === 'string' ? [input.accept] : (input.accept ?? [])).filter(
    (line) => line.trim() !== '',
  );
  const hasContentType = input.contentType !== undefined && input.contentType.trim() !== '';
  let result: FhirFormat | FormatError;
  if (formatParam !== undefined) {
    result = fromFormatParam(formatParam, strict);
  } else if (acceptLines.length > 0) {
    const accepted = fromAccept(acceptLines, strict);
    result =
      accepted === 'any'
        ? (hasContentType && formatOf(parseMediaRange(input.contentType!), strict, false)) || 'json'
        : accepted;
  } else if (hasContentType) {
    const format = formatOf(parseMediaRange(input.contentType!), strict, false);
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

/**
 * A resource as FHIR JSON: without empty arrays, objects or strings, or nulls (withoutEmpty), which
 * FHIR JSON never holds. Every FHIR JSON the sandbox sends is written by this function.
 */
export function toFhirJson(resource: object): string {
  return JSON.stringify(withoutEmpty(resource) ?? {});
}

/** Renders a resource in the negotiated format, with the exact Content-Type to send. */
export function serialize(resource: object, format: FhirFormat): { body: string; contentType: string } {
  return format === 'xml'
    ? { body: toFhirXml(withoutEmpty(resource) ?? {}), contentType: FHIR_XML }
    : { body: toFhirJson(resource), contentType: FHIR_JSON };
}
