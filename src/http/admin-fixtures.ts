import type { Router } from 'express';
import type { Application } from '../application/application.js';
import { addAppointment, addPatient, setSlotStatus } from '../application/fixtures.js';
import { DomainError } from '../domain/errors.js';
import { type AdminCall, adminErrorFor } from './admin-domain-errors.js';
import { adminAppointment, adminPatient, adminSlot } from './admin-state.js';
import { noStore, worldOf } from './admin-world.js';

/** Runs a fixture change; a domain rule it breaks becomes the admin error naming the input's field. */
function applying<T>(call: AdminCall, change: () => T): T {
  try {
    return change();
  } catch (error) {
    if (error instanceof DomainError) throw adminErrorFor(error, call);
    throw error;
  }
}

/** POST /_admin/patients, /_admin/slots, /_admin/appointments (application/fixtures.ts has the rules). */
export function fixtureRoutes(router: Router, core: Application): void {
  router.post('/patients', async (req, res) => {
    const world = await worldOf(core, req);
    const patient = await core.execute(world, undefined, () => addPatient(core, world, req.body));
    noStore(res).status(201).json(adminPatient(patient, true));
  });

  router.post('/slots', async (req, res) => {
    const world = await worldOf(core, req);
    const change = await core.execute(world, undefined, () =>
      applying({ route: 'slots' }, () => setSlotStatus(core, world, req.body)),
    );
    noStore(res).json({
      ...adminSlot(core, world, change.slot),
      ...(change.heldBy ? { heldBy: `Appointment/${change.heldBy}` } : {}),
    });
  });

  router.post('/appointments', async (req, res) => {
    const world = await worldOf(core, req);
    const bySlotIds = (req.body as { slotIds?: unknown } | undefined)?.slotIds !== undefined;
    const record = await core.execute(world, undefined, () =>
      applying({ route: 'appointments', bySlotIds }, () => addAppointment(core, world, req.body)),
    );
    noStore(res).status(201).json(adminAppointment(core, record));
  });
}
