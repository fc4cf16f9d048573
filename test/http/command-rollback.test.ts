/**
 * Issue 15, "commands through one place": every change to a world is a command run by
 * Application.execute, which commits it through the world's store and, when the command throws or
 * the commit fails, takes back everything the command changed (SandboxState.recording). No handler,
 * fixture, fault step or admin route undoes its own changes any more.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { addAppointment, addPatient, setSlotStatus } from '../../src/application/fixtures.js';
import { SpineError } from '../../src/fhir/operation-outcome.js';
import type { FhirCall } from '../../src/http/fhir-types.js';
import { createAppointment } from '../../src/http/handlers/appointment-create.js';
import { updateAppointment } from '../../src/http/handlers/appointment-update.js';
import { asCancel, bookS1, type ProfileName, s1Slot } from '../helpers/appointments.js';
import { gpcBooking, seedExample } from '../helpers/bodies.js';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

const PROFILES: ProfileName[] = ['careconnect', 'gpconnect-1.2.7'];
/** A Location no HTTP header can carry: the answer cannot be written, so nothing may commit. */
const UNSENDABLE_BASE = 'http://h\u0100st';

let sandbox: TestSandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

function callOf(sb: TestSandbox, body: unknown, params: string[], interaction: string): FhirCall {
  return {
    core: sb.core,
    world: sb.core.defaultWorld,
    params,
    query: {},
    body,
    headers: {},
    interaction,
    nowMs: sb.core.clock.now(),
    fhirBaseUrl: UNSENDABLE_BASE,
    format: 'json',
  } as FhirCall;
}

/** What a world's state holds, for comparing before and after a command. */
function stateOf(sb: TestSandbox) {
  const state = sb.core.defaultWorld.state;
  return structuredClone({
    persisted: state.toPersisted(),
    busy: [...state.busy.entries()],
  });
}

describe.each(PROFILES)('a command whose answer cannot be written (%s)', (profile) => {
  it('books nothing: the booking is taken back by execute, and the slot and the id stay free', async () => {
    sandbox = testSandbox({ profile });
    const sb = sandbox;
    const slot = s1Slot('2026-06-02', '09:00');
    const body = profile === 'careconnect' ? seedExample(slot.id) : gpcBooking({ slots: [slot] });
    const before = stateOf(sb);
    const call = callOf(sb, body, [], 'urn:nhs:names:services:gpconnect:fhir:rest:create:appointment-1');
    const refused = sb.core.execute(sb.core.defaultWorld, undefined, () => createAppointment(call));
    await expect(refused).rejects.toBeInstanceOf(SpineError);
    await expect(refused).rejects.toMatchObject({ status: 500, code: 'INTERNAL_SERVER_ERROR' });
    await expect(refused).rejects.toMatchObject({
      diagnostics: expect.stringMatching(/^Nothing was booked/),
    });
    expect(stateOf(sb)).toEqual(before);
    // The slot is still bookable, under the id the refused booking would have had.
    const booked = await bookS1(sb, profile);
    expect(booked.id).toBe(String(before.persisted.nextAppointmentId));
  });

  it.each(['amend', 'cancel'] as const)(
    '%s changes nothing: the old version and its slots are put back',
    async (kind) => {
      sandbox = testSandbox({ profile });
      const sb = sandbox;
      const booked = await bookS1(sb, profile);
      const before = stateOf(sb);
      const body = kind === 'cancel' ? asCancel(booked) : { ...booked, comment: 'A different comment' };
      const interaction = `urn:nhs:names:services:gpconnect:fhir:rest:${kind === 'cancel' ? 'cancel' : 'update'}:appointment-1`;
      const call = callOf(sb, body, [booked.id], interaction);
      const refused = sb.core.execute(sb.core.defaultWorld, undefined, () => updateAppointment(call));
      await expect(refused).rejects.toMatchObject({
        status: 500,
        diagnostics: expect.stringMatching(
          new RegExp(`^Appointment/${booked.id} was not ${kind}ed`.replace('celed', 'celled')),
        ),
      });
      expect(stateOf(sb)).toEqual(before);
    },
  );
});

describe('a command whose commit fails', () => {
  it('takes back every change it made: appointments, fixture patients, held slots, the id counter', async () => {
    sandbox = testSandbox();
    const sb = sandbox;
    const { core } = sb;
    const world = core.defaultWorld;
    await bookS1(sb, 'gpconnect-1.2.7');
    const before = stateOf(sb);
    const commit = vi.spyOn(core.worlds, 'commit').mockRejectedValueOnce(new Error('disk full'));
    const failed = core.execute(world, undefined, () => {
      addPatient(core, world, {
        name: { family: 'Fixture', given: ['Fay'] },
        gender: 'female',
        birthDate: '1990-01-01',
      });
      setSlotStatus(core, world, { slotId: 's1-202606021000', status: 'busy' });
      addAppointment(core, world, { patientId: '1', slotIds: ['s1-202606021100'] });
      world.state.remove(world.state.appointments.get('1')!);
    });
    await expect(failed).rejects.toThrow('disk full');
    expect(commit).toHaveBeenCalledOnce();
    expect(stateOf(sb)).toEqual(before);
  });

  it('takes back a reset and a snapshot import (clear, replaceWith) too', async () => {
    sandbox = testSandbox();
    const sb = sandbox;
    const { core } = sb;
    const world = core.defaultWorld;
    await bookS1(sb, 'careconnect');
    const before = stateOf(sb);
    vi.spyOn(core.worlds, 'commit').mockRejectedValue(new Error('disk full'));
    await expect(core.resetWorld(world)).rejects.toThrow('disk full');
    expect(stateOf(sb)).toEqual(before);
    await expect(core.importDocument(world, core.snapshot(core.sessions.get('empty')))).rejects.toThrow(
      'disk full',
    );
    expect(stateOf(sb)).toEqual(before);
  });

  it('leaves the armed faults as they were when a reset could not be written, and arms without writing', async () => {
    sandbox = testSandbox();
    const sb = sandbox;
    const { core } = sb;
    const world = core.defaultWorld;
    const commit = vi.spyOn(core.worlds, 'commit').mockRejectedValue(new Error('disk full'));
    // Faults are never in a --db file: arming one writes nothing, so a failing disk cannot refuse it.
    await core.armFault(world, { name: 'kept', when: { path: '/metadata' }, error: { code: 'BAD_REQUEST' } });
    expect(commit).not.toHaveBeenCalled();
    const armed = world.faults.list();
    await expect(core.resetWorld(world)).rejects.toThrow('disk full');
    expect(world.faults.list()).toEqual(armed);
  });

  it('leaves a fixture added over HTTP out of memory when it could not be written (500)', async () => {
    sandbox = testSandbox();
    const sb = sandbox;
    vi.spyOn(sb.core.worlds, 'commit').mockRejectedValueOnce(new Error('disk full'));
    const failed = await sb.http
      .post('/_admin/appointments')
      .send({ patientId: '1', slotIds: ['s1-202606021100'] });
    expect(failed.status).toBe(500);
    expect(sb.core.defaultWorld.state.appointments.size).toBe(0);
    expect(sb.core.defaultWorld.state.isFree('s1-202606021100')).toBe(true);
    const retried = await sb.http
      .post('/_admin/appointments')
      .send({ patientId: '1', slotIds: ['s1-202606021100'] });
    expect(retried.status).toBe(201);
    expect(retried.body.id).toBe('1');
  });

  it('puts the sandbox clock back when it could not be saved', async () => {
    sandbox = testSandbox();
    const sb = sandbox;
    const before = sb.core.clock.now();
    vi.spyOn(sb.core.worlds, 'saveGlobal').mockRejectedValueOnce(new Error('disk full'));
    const res = await sb.http.put('/_admin/clock').send({ advance: 'PT1H' });
    expect(res.status).toBe(500);
    expect(sb.core.clock.now()).toBe(before);
  });
});

describe('a booking over HTTP', () => {
  it('commits through execute: a failed write answers 500 and books nothing', async () => {
    sandbox = testSandbox();
    const sb = sandbox;
    vi.spyOn(sb.core.worlds, 'commit').mockRejectedValueOnce(new Error('disk full'));
    const res = await sb.http
      .post('/Appointment')
      .set(envelope('create:appointment-1'))
      .set('Content-Type', 'application/fhir+json')
      .send(JSON.stringify(seedExample()));
    expect(res.status).toBe(500);
    expect(sb.core.defaultWorld.state.appointments.size).toBe(0);
    expect(sb.core.defaultWorld.state.isFree('s1-202606020900')).toBe(true);
  });
});
