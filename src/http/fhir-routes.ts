import { route, type FhirRoute } from './fhir-types.js';
import { createAppointment } from './handlers/appointment-create.js';
import { readAppointment } from './handlers/appointment-read.js';
import { getMetadata } from './handlers/metadata.js';

/** Every FHIR interaction this provider serves, relative to the base path. */
export const FHIR_ROUTES: FhirRoute[] = [
  route('GET', '/metadata', 'the CapabilityStatement', getMetadata),
  route('POST', '/Appointment', 'book an appointment', createAppointment),
  route('GET', '/Appointment/{id}', 'read an appointment', readAppointment),
];

export type RouteMatch = { route: FhirRoute; params: string[] } | { wrongMethod: FhirRoute[] } | undefined;

export function matchRoute(method: string, path: string): RouteMatch {
  const sameMethod = method === 'HEAD' ? 'GET' : method;
  const onPath: FhirRoute[] = [];
  for (const r of FHIR_ROUTES) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    if (r.method === sameMethod) return { route: r, params: m.slice(1) };
    onPath.push(r);
  }
  return onPath.length > 0 ? { wrongMethod: onPath } : undefined;
}

export function supportedInteractions(): string {
  return FHIR_ROUTES.map((r) => `${r.method} ${r.template}`).join(', ');
}
