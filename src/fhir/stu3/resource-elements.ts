import { STU3_ELEMENTS } from './elements.js';

/**
 * The top-level elements of a FHIR STU3 (3.0.1) resource, from the generated definitions table
 * (the same one FHIR XML uses), plus resourceType; for refusing "an element unknown for that
 * resource type". Choice elements are listed by their JSON names (deceasedDateTime, ...).
 */
let table: Record<string, Array<[string, unknown, number?]>> | undefined;
const cache = new Map<string, ReadonlySet<string>>();

export function resourceElements(resourceType: string): ReadonlySet<string> {
  let elements = cache.get(resourceType);
  if (elements) return elements;
  table ??= (JSON.parse(STU3_ELEMENTS) as { types: typeof table }).types!;
  const defs = Object.hasOwn(table, resourceType) ? table[resourceType] : undefined;
  if (!defs) throw new Error(`no STU3 definition for ${resourceType}`);
  const names = ['resourceType'];
  for (const [name, type] of defs) {
    if (!name.endsWith('[x]')) names.push(name);
    else for (const t of type as string[]) names.push(name.slice(0, -3) + t[0]!.toUpperCase() + t.slice(1));
  }
  elements = new Set(names);
  cache.set(resourceType, elements);
  return elements;
}
