/**
 * FHIR content types and format negotiation (digest §5.4, GP Connect 1.2.7
 * development_general_api_guidance.md §Content types): the response format comes from `_format`,
 * else `Accept`, else the request `Content-Type`; an Accept of `*\/*` answers in the request
 * body's format, and with nothing to go on the answer is JSON; a format the server does not
 * support gives 415 (the caller renders `error` as the diagnostics).
 *
 * Which media types and `_format` short forms are accepted is the profile's `responseFormats` row
 * (FormatRules): gpconnect-1.2.7 accepts only the two FHIR types, as the reference provider (DEMO)
 * does (`_format=json`, `application/json` and the DSTU2 `application/json+fhir` are 415);
 * careconnect also accepts application/json, application/xml, text/xml, the DSTU2 forms and, in
 * `_format` only, the short forms `json` and `xml`. A `charset` parameter must be utf-8.
 */
import { withoutEmpty } from './without-empty.js';
import { toFhirXml } from './xml.js';

/** Exactly as GP Connect sends it: no space before `charset` (1.2.0 change). */
export const FHIR_JSON = 'application/fhir+json;charset=utf-8';
export const FHIR_XML = 'application/fhir+xml;charset=utf-8';

export type FhirFormat = 'json' | 'xml';
export type FormatError = { error: string };

/** Every media type this server can read or answer in, with the format it names. */
export const MEDIA_TYPE_FORMAT = {
  'application/fhir+json': 'json',
  'application/fhir+xml': 'xml',
  'application/json': 'json',
  'application/xml': 'xml',
  'text/xml': 'xml',
  'application/json+fhir': 'json',
  'application/xml+fhir': 'xml',
} as const satisfies Readonly<Record<string, FhirFormat>>;

export type FhirMediaType = keyof typeof MEDIA_TYPE_FORMAT;

/**
 * What a profile's response format negotiation accepts: media types in `_format`, `Accept` and
 * `Content-Type` (listed in error messages in this order; a wildcard such as `text/*` matches the
 * listed types under it), and the `_format` short forms (`json`, `xml`).
 */
export interface FormatRules {
  readonly mediaTypes: readonly FhirMediaType[];
  readonly shortForms: readonly FhirFormat[];
}

/** Everything this server knows: the negotiation when no profile's rules are given. */
const ALL_FORMATS: FormatRules = {
  mediaTypes: Object.keys(MEDIA_TYPE_FORMAT) as FhirMediaType[],
  shortForms: ['json', 'xml'],
};

export interface NegotiationInput {
  /** The `_format` query parameter; repeated parameters arrive as an array (the first is used). */
  formatParam?: string | string[] | undefined;
  /** The Accept header; several header lines as an array, in the order sent (a later one wins ties). */
  accept?: string | readonly string[] | undefined;
  contentType?: string | undefined;
  /** The profile's responseFormats row. Default: every media type and short form this server knows. */
  rules?: FormatRules | undefined;
}

const FHIR_TYPES: Readonly<Record<string, FhirFormat>> = {
  'application/fhir+json': 'json',
  'application/fhir+xml': 'xml',
};

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

/** A FormatRules row as lookups, built once per row. */
interface Accepted {
  types: Readonly<Record<string, FhirFormat>>;
  shortForms: Readonly<Record<string, FhirFormat>>;
  /** The formats a wildcard (`*\/*`, `application/*`, `text/*`) stands for. */
  wildcard(type: string): FhirFormat[];
  supported: string;
  supportedWithShortForms: string;
}

const acceptedCache = new WeakMap<FormatRules, Accepted>();

function acceptedBy(rules: FormatRules): Accepted {
  let accepted = acceptedCache.get(rules);
  if (accepted) return accepted;
  // No prototype: a media type named "constructor" or "__proto__" names no format.
  const types: Record<string, FhirFormat> = Object.create(null);
  for (const type of rules.mediaTypes) types[type] = MEDIA_TYPE_FORMAT[type];
  const shortForms: Record<string, FhirFormat> = Object.create(null);
  for (const form of rules.shortForms) shortForms[form] = form;
  const names = Object.keys(types);
  accepted = {
    types,
    shortForms,
    wildcard: (type) => {
      if (!type.endsWith('/*')) return [];
      const prefix = type === '*/*' ? '' : type.slice(0, -1);
      const formats = new Set(names.filter((n) => n.startsWith(prefix)).map((n) => types[n]!));
      return (['json', 'xml'] as const).filter((f) => formats.has(f));
    },
    supported: names.join(', '),
    supportedWithShortForms: [...names, ...Object.keys(shortForms)].join(', '),
  };
  acceptedCache.set(rules, accepted);
  return accepted;
}

/** The format a single media type (not a list) names, or undefined when unsupported. */
function formatOf(range: MediaRange, accepted: Accepted, allowShortForms: boolean): FhirFormat | undefined {
  if (!charsetOk(range)) return undefined;
  if (range.type === '*/*') return 'json';
  const format = accepted.types[range.type];
  if (format) return format;
  return allowShortForms ? accepted.shortForms[range.type] : undefined;
}

function fromFormatParam(value: string, accepted: Accepted): FhirFormat | FormatError {
  const range = parseMediaRange(value);
  // An unencoded `+` in a query string decodes to a space: `_format=application/fhir+xml` arrives as
  // "application/fhir xml". The client meant the FHIR type, so read it as such.
  range.type = range.type.replace(/^(application\/fhir) (json|xml)$/, '$1+$2');
  return (
    formatOf(range, accepted, true) ?? {
      error: `_format "${value}" is not a supported format: use one of ${accepted.supportedWithShortForms}`,
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
function fromAccept(lines: readonly string[], accepted: Accepted): FhirFormat | 'any' | FormatError {
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
    const format = accepted.types[range.type];
    if (format && q(range) === 0) refused.add(format);
  }
  const candidates: Candidate[] = [];
  for (const { range, line, index } of ranges) {
    if (!charsetOk(range) || q(range) === 0) continue;
    const exact = accepted.types[range.type];
    if (exact) {
      const specificity = FHIR_TYPES[range.type] ? Specificity.Fhir : Specificity.Exact;
      candidates.push({ format: exact, q: q(range), specificity, line, index });
      continue;
    }
    const open = accepted.wildcard(range.type).filter((f) => !refused.has(f));
    if (open.length === 0) continue;
    const format = open.length === 2 ? 'any' : open[0]!;
    candidates.push({ format, q: q(range), specificity: Specificity.Wildcard, line, index });
  }
  candidates.sort(
    (a, b) => b.q - a.q || b.specificity - a.specificity || b.line - a.line || a.index - b.index,
  );
  return (
    candidates[0]?.format ?? {
      error: `Accept "${lines.join(', ')}" names no format this server returns: use one of ${accepted.supported}`,
    }
  );
}

/** Clients send the same few header combinations over and over: remember the answers (bounded, per rules). */
const negotiated = new WeakMap<FormatRules, Map<string, { format: FhirFormat } | FormatError>>();

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
  const rules = input.rules ?? ALL_FORMATS;
  let answers = negotiated.get(rules);
  if (!answers) {
    answers = new Map();
    negotiated.set(rules, answers);
  }
  const key = `${input.formatParam ?? ''}\u0000${accept}\u0000${input.contentType ?? ''}`;
  let result = answers.get(key);
  if (!result) {
    result = negotiate(input);
    if (answers.size >= 256) answers.clear();
    answers.set(key, result);
  }
  return result;
}

function negotiate(input: NegotiationInput): { format: FhirFormat } | FormatError {
  const accepted = acceptedBy(input.rules ?? ALL_FORMATS);
  const formatParams = Array.isArray(input.formatParam) ? input.formatParam : [input.formatParam];
  // typeof: a query parser may hand over an object for `_format[x]=…`; that is not a format.
  const formatParam = formatParams.find((f) => typeof f === 'string' && f.trim() !== '');
  const acceptLines = (typeof input.accept === 'string' ? [input.accept] : (input.accept ?? [])).filter(
    (line) => line.trim() !== '',
  );
  const hasContentType = input.contentType !== undefined && input.contentType.trim() !== '';
  let result: FhirFormat | FormatError;
  if (formatParam !== undefined) {
    result = fromFormatParam(formatParam, accepted);
  } else if (acceptLines.length > 0) {
    const fromHeader = fromAccept(acceptLines, accepted);
    result =
      fromHeader === 'any'
        ? (hasContentType && formatOf(parseMediaRange(input.contentType!), accepted, false)) || 'json'
        : fromHeader;
  } else if (hasContentType) {
    const format = formatOf(parseMediaRange(input.contentType!), accepted, false);
    result = format ?? {
      error: `Content-Type "${input.contentType}" is not a supported format (and no _format or Accept was sent): use one of ${accepted.supported}`,
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
    (MEDIA_TYPE_FORMAT as Readonly<Record<string, FhirFormat>>)[range.type] ??
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
