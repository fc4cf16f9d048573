import { describe } from './json-shape.js';
import { SpineError } from './operation-outcome.js';

/**
 * Readers for FHIR search parameters. Repeated parameters arrive as arrays (Express's simple
 * query parser). Unrecognised parameters are ignored (digest §5.4), but a required one sent with
 * other capitalisation is named in the "missing" diagnostic, since it is then simply missing.
 */

export type QueryValues = Record<string, string | string[] | undefined>;

/** Every value of one parameter, in order. */
export function paramValues(query: QueryValues, name: string): string[] {
  const value = query[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

/** `_include[]` or `_include[0]` (axios's and qs's array forms) → `_include`; otherwise undefined. */
export function bracketBase(key: string): string | undefined {
  return /^(.+?)\[\d*\]$/.exec(key)?.[1];
}

/**
 * Why a parameter the request lacks may be missing: ` (the request has "_include[]", the
 * array-bracket form of _include…)` or ` (the request has "Identifier": parameter names are
 * case-sensitive)`; "" when no such name was sent.
 */
export function miscasedHint(query: QueryValues, name: string): string {
  const lower = name.toLowerCase();
  const keys = Object.keys(query);
  const bracketed = keys.find((key) => bracketBase(key)?.toLowerCase() === lower);
  if (bracketed)
    return ` (the request has "${bracketed}", ${bracketSentence(bracketed, bracketBase(bracketed)!)})`;
  const found = keys.find((key) => key !== name && key.toLowerCase() === lower);
  return found ? ` (the request has "${found}": parameter names are case-sensitive)` : '';
}

function bracketSentence(key: string, base: string): string {
  return `the array-bracket form of ${base} that axios and qs write for arrays: FHIR names a parameter without brackets and repeats it for several values (${base}=a&${base}=b), so ${key} is not read; in axios, serialise params with qs's arrayFormat "repeat"`;
}

/**
 * One warning per parameter sent in array-bracket form (`searchFilter[]=…`, `_include%5B%5D=…`):
 * FHIR does not know those names, so the provider ignores them (digest §5.4: unknown parameters
 * are ignored), which a consumer rarely means.
 */
export function bracketedParameterWarnings(query: QueryValues): string[] {
  return Object.keys(query).flatMap((key) => {
    const base = bracketBase(key);
    return base ? [`the query parameter ${key} is ${bracketSentence(key, base)}`] : [];
  });
}

/** The one value of a required parameter: missing → 400 BAD_REQUEST; repeated → `repeated`'s code. */
export function requiredSingle(
  query: QueryValues,
  name: string,
  example: string,
  repeatedCode: 'BAD_REQUEST' | 'INVALID_PARAMETER',
): string {
  const values = paramValues(query, name);
  if (values.length === 0) {
    throw new SpineError('BAD_REQUEST', `${name} is required, e.g. ${example}${miscasedHint(query, name)}`);
  }
  if (values.length > 1) {
    throw new SpineError(
      repeatedCode,
      `${name} was sent ${values.length} times (${values.map((v) => describe(v)).join(', ')}); send it once, e.g. ${example}`,
    );
  }
  return values[0]!;
}

export interface Token {
  system: string;
  value: string;
}

/**
 * A token `system|value`. No `|`, a blank system or a blank value → 422 INVALID_PARAMETER
 * (digest §1.4, PTS find-a-patient).
 */
export function parseToken(text: string, name: string, example: string): Token {
  const bar = text.indexOf('|');
  if (text.trim() === '')
    throw invalidParameter(`${name} is empty: send system|value, e.g. ${name}=${example}`);
  if (bar < 0) {
    throw invalidParameter(
      `${name} ${describe(text)} has no system: send system|value, e.g. ${name}=${example} (percent-encode the | as %7C)`,
    );
  }
  const system = text.slice(0, bar);
  const value = text.slice(bar + 1);
  if (system.trim() === '')
    throw invalidParameter(
      `${name} ${describe(text)} has a blank system: send system|value, e.g. ${example}`,
    );
  if (value.trim() === '')
    throw invalidParameter(`${name} ${describe(text)} has a blank value: send system|value, e.g. ${example}`);
  return { system, value };
}

export function invalidParameter(diagnostics: string): SpineError {
  return new SpineError('INVALID_PARAMETER', diagnostics);
}

/**
 * The `identifier` of a find-* search (find a patient, organisation, practitioner; digest §1.4):
 * missing, miscased or repeated → 400 BAD_REQUEST; malformed token → 422 INVALID_PARAMETER;
 * a system not in `systems` → 400 INVALID_IDENTIFIER_SYSTEM.
 */
export function readIdentifierParam(
  query: QueryValues,
  resourceType: string,
  systems: readonly string[],
  exampleValue: string,
): Token {
  const example = `${systems[0]}|${exampleValue}`;
  const text = requiredSingle(
    query,
    'identifier',
    `GET /${resourceType}?identifier=${example}`,
    'BAD_REQUEST',
  );
  const token = parseToken(text, 'identifier', example);
  if (!systems.includes(token.system)) {
    throw new SpineError(
      'INVALID_IDENTIFIER_SYSTEM',
      `identifier system ${describe(token.system)} is not one ${resourceType} can be found by: use ${systems.join(' or ')}`,
    );
  }
  return token;
}
