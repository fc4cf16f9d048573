import { charCount, truncateChars } from '../domain/text.js';
import { SpineError } from './operation-outcome.js';

/**
 * Small readers for untrusted FHIR JSON. Each names the element path in its diagnostics
 * (`participant[1].actor.reference must be a string, got number`), as consumers need.
 */

export type Json = Record<string, unknown>;

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string')
    return charCount(value) > 60 ? `"${truncateChars(value, 57, '...')}"` : JSON.stringify(value);
  return `${typeof value} ${String(value)}`;
}

export function invalid(diagnostics: string): SpineError {
  return new SpineError('INVALID_RESOURCE', diagnostics);
}

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function objectAt(value: unknown, path: string): Json {
  if (!isObject(value)) throw invalid(`${path} must be an object, got ${describe(value)}`);
  return value;
}

export function optionalObject(value: unknown, path: string): Json | undefined {
  return value === undefined ? undefined : objectAt(value, path);
}

export function arrayAt(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw invalid(`${path} must be an array, got ${describe(value)}`);
  return value;
}

export function optionalArray(value: unknown, path: string): unknown[] {
  return value === undefined ? [] : arrayAt(value, path);
}

export function stringAt(value: unknown, path: string): string {
  if (typeof value !== 'string') throw invalid(`${path} must be a string, got ${describe(value)}`);
  if (value.trim() === '') throw invalid(`${path} must not be blank`);
  return value;
}

export function optionalString(value: unknown, path: string): string | undefined {
  return value === undefined ? undefined : stringAt(value, path);
}

/** Bodies reach validators only after this check, so no recursive walk meets 20,000 levels. */
export const MAX_JSON_DEPTH = 64;

/**
 * Iteratively check nesting depth and drop own `__proto__` keys (JSON.parse makes them plain
 * properties; removing them means no later spread or copy can turn one into a prototype).
 * Returns the depth problem, if any.
 */
export function sanitiseJson(root: unknown): string | undefined {
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > MAX_JSON_DEPTH) return `the body nests deeper than ${MAX_JSON_DEPTH} levels`;
    if (Array.isArray(node)) {
      for (const item of node) stack.push([item, depth + 1]);
      continue;
    }
    // biome-ignore lint/suspicious/noProto: removing an own data property named __proto__, not using the accessor
    if (Object.hasOwn(node, '__proto__')) delete (node as Json)['__proto__'];
    for (const key of Object.keys(node)) stack.push([(node as Json)[key], depth + 1]);
  }
  return undefined;
}
