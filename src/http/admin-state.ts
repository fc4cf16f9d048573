import { addDays, formatLondon, londonDateOf, londonLocalToInstant } from '../domain/london-time.js';
import {
  appointmentToFhir,
  locationToFhir,
  organizationToFhir,
  patientToFhir,
  practitionerToFhir,
  scheduleToFhir,
  slotToFhir,
} from '../fhir/resources.js';
import type { SandboxCore } from '../sandbox/core.js';
import type { World } from '../sandbox/world.js';

/** GET /_admin/state: counts plus the collections as FHIR resources; slots for the next `days`. */
export function stateView(core: SandboxCore, world: World, days: number) {
  const now = core.clock.now();
  const today = londonDateOf(now);
  const horizon = { start: formatLondon(londonLocalToInstant(today, '00:00')), end: formatLondon(londonLocalToInstant(addDays(today, days), '00:00')) };
  const slots = [];
  let free = 0;
  for (let d = 0; d < days; d++) {
    for (const slot of core.calendar.slotsOnDay(addDays(today, d))) {
      if (slot.endMs <= now) continue;
      const schedule = core.directory.schedules.get(slot.scheduleId)!;
      const isFree = world.state.isFree(slot.id);
      if (isFree) free++;
      slots.push(slotToFhir(slot, schedule, isFree));
    }
  }
  const patients = [...core.seed.patients, ...world.state.fixturePatients.values()];
  const appointments = [...world.state.appointments.values()].map((record) => ({
    ...appointmentToFhir(record, core.profile.appointmentProfile),
  }));
  return {
    counts: {
      patients: patients.length,
      slots: slots.length,
      freeSlots: free,
      busySlots: slots.length - free,
      appointments: appointments.length,
    },
    clock: { now: formatLondon(now), frozen: core.clock.frozen },
    patients: patients.map(patientToFhir),
    practitioners: core.seed.practitioners.map(practitionerToFhir),
    locations: core.seed.locations.map(locationToFhir),
    organizations: core.seed.organizations.map(organizationToFhir),
    schedules: core.seed.schedules.map((s) => scheduleToFhir(s, horizon)),
    slots,
    appointments,
    scenario: core.scenarioName,
    faults: world.faults.list(),
  };
}
