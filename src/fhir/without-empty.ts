/**
 * FHIR JSON never holds empty values: "JSON objects and arrays SHALL NOT be empty, … strings SHALL
 * NOT be empty, and null is only used in arrays of primitives to line up values with their `_x`
 * extensions" (https://hl7.org/fhir/STU3/json.html §JSON representation). The serializer passes
 * every resource through `withoutEmpty`, so no handler, stored body or fault can put `"entry":[]`,
 * `{}`, `""` or `null` on the wire.
 */

type JsonObject = Record<string, unknown>;

function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when `value` holds (at any depth) an empty array, object or string, or a null. */
export function hasEmpty(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || node === '') return true;
    if (Array.isArray(node)) {
      if (node.length === 0) return true;
      for (const item of node) stack.push(item);
    } else if (typeof node === 'object') {
      let keys = 0;
      for (const key in node as JsonObject) {
        if (!Object.hasOwn(node as JsonObject, key)) continue;
        const child = (node as JsonObject)[key];
        if (child === undefined) continue;
        keys++;
        stack.push(child);
      }
      if (keys === 0) return true;
    }
  }
  return false;
}

/**
 * `value` with every empty array, empty object, empty string and null removed, bottom up (an
 * object whose members were all empty goes too); undefined when nothing is left. Arrays of a
 * primitive and their `_name` extension arrays stay lined up: an entry goes only when both sides
 * are empty there, and a side that is empty where the other is not keeps a null. Returns `value`
 * itself when it has nothing to remove.
 */
export function withoutEmpty<T>(value: T): T | undefined {
  return hasEmpty(value) ? (prune(value) as T | undefined) : value;
}

function prune(value: unknown): unknown {
  if (value === null || value === undefined || value === '') return undefined;
  if (Array.isArray(value)) {
    const out = value.map(prune).filter((v) => v !== undefined);
    return out.length > 0 ? out : undefined;
  }
  if (!isPlainObject(value)) return value;
  const out: JsonObject = {};
  for (const key of Object.keys(value)) {
    const child = value[key];
    const extrasKey = `_${key}`;
    if (Array.isArray(child) && Array.isArray(value[extrasKey]) && !key.startsWith('_')) {
      pruneAligned(key, child, value[extrasKey] as unknown[], out);
      continue;
    }
    if (key.startsWith('_') && Array.isArray(child) && Array.isArray(value[key.slice(1)])) continue;
    const pruned = prune(child);
    if (pruned !== undefined) out[key] = pruned;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** `given` and `_given`: pairs where both are empty go; elsewhere an empty side is a null. */
function pruneAligned(key: string, values: unknown[], extras: unknown[], out: JsonObject): void {
  const kept: unknown[] = [];
  const keptExtras: unknown[] = [];
  for (let i = 0; i < Math.max(values.length, extras.length); i++) {
    const v = prune(values[i]);
    const x = prune(extras[i]);
    if (v === undefined && x === undefined) continue;
    kept.push(v ?? null);
    keptExtras.push(x ?? null);
  }
  if (kept.some((v) => v !== null)) out[key] = kept;
  if (keptExtras.some((x) => x !== null)) out[`_${key}`] = keptExtras;
}
