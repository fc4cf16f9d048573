import { SERVED_OPERATIONS, type ServedOperation, type ServedOperationKey } from '../fhir/operations.js';
import { type FhirHandler, type FhirRoute, route } from './fhir-types.js';
import { createAppointment } from './handlers/appointment-create.js';
import { readAppointment } from './handlers/appointment-read.js';
import { updateAppointment } from './handlers/appointment-update.js';
import { readAppointmentVersion } from './handlers/appointment-vread.js';
import { getMetadata } from './handlers/metadata.js';
import { readPatient, searchPatients } from './handlers/patient.js';
import { retrievePatientAppointments } from './handlers/patient-appointments.js';
import {
  readLocation,
  readOrganization,
  readPractitioner,
  searchOrganizations,
  searchPractitioners,
} from './handlers/seeded-resources.js';
import { searchSlots } from './handlers/slot-search.js';

/**
 * The handler of every served row of the operations table (fhir/operations.ts); the type makes a
 * served row without a handler a compile error. Amend and cancel share PUT /Appointment/{id}.
 */
const HANDLERS = {
  metadata: getMetadata,
  'patient.search': searchPatients,
  'patient.read': readPatient,
  'organization.search': searchOrganizations,
  'organization.read': readOrganization,
  'practitioner.search': searchPractitioners,
  'practitioner.read': readPractitioner,
  'location.read': readLocation,
  'slot.search': searchSlots,
  'appointment.create': createAppointment,
  'appointment.read': readAppointment,
  'appointment.vread': readAppointmentVersion,
  'appointment.amend': updateAppointment,
  'appointment.cancel': updateAppointment,
  'appointment.retrieve': retrievePatientAppointments,
} satisfies Record<ServedOperationKey, FhirHandler>;

/** One route per served method and path, relative to the base path, derived from the operations table. */
export const FHIR_ROUTES: FhirRoute[] = (() => {
  const routes = new Map<string, { op: ServedOperation; summaries: string[] }>();
  for (const op of SERVED_OPERATIONS) {
    const key = `${op.method} ${op.path}`;
    const known = routes.get(key);
    if (known) {
      if (HANDLERS[known.op.key] !== HANDLERS[op.key]) {
        throw new Error(`${key} has two handlers in the operations table`);
      }
      known.summaries.push(op.summary);
    } else routes.set(key, { op, summaries: [op.summary] });
  }
  return [...routes.values()].map(({ op, summaries }) =>
    route(op.method, op.path, summaries.join(' or '), HANDLERS[op.key]),
  );
})();

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

/** The methods served on a path (for CORS preflights), HEAD with GET; empty for an unknown path. */
export function methodsOnPath(path: string): string[] {
  const methods = new Set<string>();
  for (const r of FHIR_ROUTES) {
    if (!r.pattern.test(path)) continue;
    methods.add(r.method);
  }
  return [...methods];
}

export function supportedInteractions(): string {
  return FHIR_ROUTES.map((r) => `${r.method} ${r.template}`).join(', ');
}
