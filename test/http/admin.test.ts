import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { asCancel, putAppointment } from '../helpers/appointments.js';
import { seedExample } from '../helpers/bodies.js';
import { entries, fhirBody } from '../helpers/outcome.js';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

/** The sandbox clock in these tests: slots from 2026-06-01 08:00 on are in the future. */
const SLOT = 's1-202606020900';
const NEXT_SLOT = 's1-202606020910';
const TOKEN = 's3cret-admin-token';

let sandbox: TestSandbox;
let server: http.Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  await sandbox?.close();
});

function book(sb: TestSandbox, body = seedExample(), headers: Record<string, string> = {}) {
  return sb.http
    .post('/Appointment')
    .set(envelope('create:appointment-1'))
    .set('Content-Type', 'application/fhir+json')
    .set(headers)
    .send(JSON.stringify(body));
}

async function counts(sb: TestSandbox, headers: Record<string, string> = {}) {
  const res = await sb.http.get('/_admin/state').set(headers);
  expect(res.status).toBe(200);
  return res.body.counts as { patients: number; freeSlots: number; busySlots: number; appointments: number };
}

/** A request sent exactly as spelled: supertest (through URL) would tidy the path first. */
async function raw(sb: TestSandbox, method: string, path: string, headers: Record<string, string> = {}) {
  server ??= http.createServer(sb.app).listen(0, '127.0.0.1');
  await new Promise((resolve) =>
    server!.listening ? resolve(undefined) : server!.once('listening', resolve),
  );
  const { port } = server.address() as AddressInfo;
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let body = '';
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the admin API', () => {
  it('answers health in plain JSON', async () => {
    sandbox = testSandbox();
    const res = await sandbox.http.get('/_admin/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('shows the state with counts, FHIR collections, the scenario and the faults', async () => {
    sandbox = testSandbox();
    await book(sandbox).expect(201);
    const res = await sandbox.http.get('/_admin/state?days=2');
    expect(res.status).toBe(200);
    expect(res.body.counts.appointments).toBe(1);
    expect(res.body.counts.busySlots).toBe(1);
    expect(res.body.counts.slots).toBe(res.body.counts.freeSlots + 1);
    expect(res.body.appointments[0]).toMatchObject({
      resourceType: 'Appointment',
      id: '1',
      meta: { tag: [{ system: 'urn:gpconnect-sandbox:origin', code: 'gpconnect' }] },
    });
    expect(res.body.slots.find((s: { id: string }) => s.id === SLOT).status).toBe('busy');
    expect(res.body.slots.every((s: { start: string }) => s.start < '2026-06-03')).toBe(true);
    expect(res.body).toMatchObject({ scenario: null, faults: [], session: null, profile: 'careconnect' });
  });

  it.each(['0', '367', 'x', '1.5'])('refuses days=%s, naming the field', async (days) => {
    sandbox = testSandbox();
    const res = await sandbox.http.get(`/_admin/state?days=${days}`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: expect.stringContaining('days'), field: 'days' });
  });

  it('answers 304 to a repeated state poll until something changes', async () => {
    sandbox = testSandbox();
    const first = await sandbox.http.get('/_admin/state');
    const etag = first.headers['etag'] as string;
    expect(etag).toMatch(/^W\/"/);
    expect((await sandbox.http.get('/_admin/state').set('If-None-Match', etag)).status).toBe(304);
    await book(sandbox).expect(201);
    const changed = await sandbox.http.get('/_admin/state').set('If-None-Match', etag);
    expect(changed.status).toBe(200);
    expect(changed.body.counts.appointments).toBe(1);
  });

  it('resets to the seed: appointments, fixtures, faults and journal go, the clock stays', async () => {
    sandbox = testSandbox();
    await book(sandbox).expect(201);
    await sandbox.http
      .post('/_admin/faults')
      .send({ name: 'x', error: { code: 'BAD_REQUEST' } })
      .expect(201);
    await sandbox.http.put('/_admin/clock').send({ advance: 'PT1H' }).expect(200);
    const res = await sandbox.http.post('/_admin/reset');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'reset' });
    expect((await counts(sandbox)).appointments).toBe(0);
    expect((await sandbox.http.get('/_admin/faults')).body).toEqual([]);
    expect((await sandbox.http.get('/_admin/requests')).body).toEqual([]);
    expect((await sandbox.http.get('/_admin/clock')).body.now).toBe('2026-06-01T09:00:00+01:00');
    expect((await book(sandbox)).status).toBe(201);
  });

  it('resets every session with all=true, and refuses another value of all', async () => {
    sandbox = testSandbox();
    await book(sandbox, seedExample(), { 'X-Sandbox-Session': 'a' }).expect(201);
    await book(sandbox).expect(201);
    const res = await sandbox.http.post('/_admin/reset?all=true');
    expect(res.body).toEqual({ status: 'reset', sessions: 1 });
    expect((await counts(sandbox)).appointments).toBe(0);
    expect((await counts(sandbox, { 'X-Sandbox-Session': 'a' })).appointments).toBe(0);
    const bad = await sandbox.http.post('/_admin/reset?all=yes');
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('all');
  });

  it('refuses an unknown admin call with plain JSON', async () => {
    sandbox = testSandbox();
    const res = await sandbox.http.get('/_admin/nothing');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.error).toContain('/_admin/nothing');
  });

  it('refuses a body that is not JSON, naming the body', async () => {
    sandbox = testSandbox();
    const res = await sandbox.http
      .post('/_admin/faults')
      .set('Content-Type', 'application/json')
      .send('{"name":');
    expect(res.status).toBe(400);
    expect(res.body.field).toBe('body');
  });
});

describe('the request journal', () => {
  it('lists FHIR requests newest first, with request and response', async () => {
    sandbox = testSandbox();
    await book(sandbox).expect(201);
    await sandbox.http.get('/metadata').set(envelope('read:metadata-1'));
    const res = await sandbox.http.get('/_admin/requests');
    expect(res.status).toBe(200);
    expect(res.body.map((e: { method: string; path: string }) => `${e.method} ${e.path}`)).toEqual([
      'GET /metadata',
      'POST /Appointment',
    ]);
    const booking = res.body[1];
    expect(booking).toMatchObject({
      status: 201,
      interaction: expect.stringContaining('create:appointment-1'),
      problems: [],
    });
    expect(JSON.parse(booking.request.body).resourceType).toBe('Appointment');
    expect(JSON.parse(booking.response.body).id).toBe('1');
    expect(booking.response.headers['content-type']).toBe('application/fhir+json;charset=utf-8');
  });

  it('keeps only the newest journalSize entries', async () => {
    sandbox = testSandbox({ journalSize: 3 });
    for (let i = 1; i <= 5; i++) await sandbox.http.get(`/Nothing${i}`);
    const res = await sandbox.http.get('/_admin/requests');
    expect(res.body.map((e: { path: string }) => e.path)).toEqual(['/Nothing5', '/Nothing4', '/Nothing3']);
    const limited = await sandbox.http.get('/_admin/requests?limit=2');
    expect(limited.body.map((e: { path: string }) => e.path)).toEqual(['/Nothing5', '/Nothing4']);
  });

  it.each(['0', '-1', 'many', '2.5'])('refuses limit=%s', async (limit) => {
    sandbox = testSandbox();
    const res = await sandbox.http.get(`/_admin/requests?limit=${limit}`);
    expect(res.status).toBe(400);
    expect(res.body.field).toBe('limit');
  });
});

describe('scenarios', () => {
  it('lists the bundled scenarios and the magic patients', async () => {
    sandbox = testSandbox({ scenario: 'slot-race' });
    const res = await sandbox.http.get('/_admin/scenarios');
    expect(res.status).toBe(200);
    const names = res.body.scenarios.map((s: { name: string }) => s.name);
    expect(names).toContain('slot-race');
    expect(names).toContain('slow-provider');
    for (const s of res.body.scenarios) {
      expect(s.active).toBe(s.name === 'slot-race');
      expect(s.description.length).toBeGreaterThan(10);
    }
    expect(res.body.magicPatients).toContainEqual({
      id: 'dupe',
      nhsNumber: expect.stringMatching(/^\d{10}$/),
      outcome: expect.stringContaining('duplicate'),
    });
  });

  it('switches the active scenario, whose rules are then armed, and back to none', async () => {
    sandbox = testSandbox();
    const res = await sandbox.http.put('/_admin/scenario').send({ name: 'slot-race' });
    expect(res.status).toBe(200);
    expect(res.body.scenario).toBe('slot-race');
    expect(res.body.faults.map((r: { name: string }) => r.name)).toContain('first-booking-loses-the-race');
    expect((await sandbox.http.get('/_admin/state')).body.scenario).toBe('slot-race');
    expect((await book(sandbox)).status).toBe(422);
    const none = await sandbox.http.put('/_admin/scenario').send({ name: null });
    expect(none.body).toEqual({ scenario: null, faults: [] });
  });

  it.each([
    ['an unknown name', { name: 'no-such-scenario' }, 'name', 'slot-race'],
    ['a file path', { name: '../package.json' }, 'name', 'bundled'],
    ['no name', {}, 'name', 'null'],
    ['a number', { name: 7 }, 'name', 'null'],
    ['an extra field', { name: 'slot-race', rules: [] }, 'rules', 'unknown field'],
  ])('refuses %s', async (_title, body, field, message) => {
    sandbox = testSandbox();
    const res = await sandbox.http.put('/_admin/scenario').send(body);
    expect(res.status).toBe(400);
    expect(res.body.field).toBe(field);
    expect(res.body.error).toContain(message);
  });
});

describe('fault rules', () => {
  const rule = {
    name: 'boom',
    when: { method: 'POST', path: '/Appointment' },
    error: { status: 500, code: 'INTERNAL_SERVER_ERROR', diagnostics: 'Boom' },
    times: 1,
  };

  it('arms a rule, lists it with its explanation, and applies it', async () => {
    sandbox = testSandbox();
    const armed = await sandbox.http.post('/_admin/faults').send(rule);
    expect(armed.status).toBe(201);
    expect(armed.body).toMatchObject({
      ...rule,
      remaining: 1,
      explain: expect.stringContaining('POST /Appointment'),
    });
    const list = await sandbox.http.get('/_admin/faults');
    expect(list.body).toHaveLength(1);
    expect(list.body[0]).toMatchObject({ name: 'boom', remaining: 1, explain: expect.any(String) });
    const res = await book(sandbox);
    expect(res.status).toBe(500);
    const journal = await sandbox.http.get('/_admin/requests');
    expect(journal.body[0].fault).toBe('boom');
    // Exhausted rules drop off the list.
    expect((await sandbox.http.get('/_admin/faults')).body).toEqual([]);
  });

  it('replaces a rule armed again under the same name', async () => {
    sandbox = testSandbox();
    await sandbox.http.post('/_admin/faults').send(rule).expect(201);
    await sandbox.http
      .post('/_admin/faults')
      .send({ ...rule, times: 3 })
      .expect(201);
    const list = await sandbox.http.get('/_admin/faults');
    expect(list.body.map((r: { remaining: number }) => r.remaining)).toEqual([3]);
  });

  it.each([
    ['a bad delay', { ...rule, delay: { fixed: 'slow' } }, 'delay.fixed'],
    ['an unknown Spine code', { ...rule, error: { code: 'NOT_A_CODE' } }, 'error.code'],
    ['no name', { error: { code: 'BAD_REQUEST' } }, 'name'],
    ['a probability above 1', { ...rule, probability: 2 }, 'probability'],
  ])('refuses a rule with %s, naming the field', async (_title, body, field) => {
    sandbox = testSandbox();
    const res = await sandbox.http.post('/_admin/faults').send(body);
    expect(res.status).toBe(400);
    expect(res.body.field).toBe(field);
    expect(res.body.error).toContain(field);
    expect((await sandbox.http.get('/_admin/faults')).body).toEqual([]);
  });

  it('disarms one rule by name, and all at once', async () => {
    sandbox = testSandbox();
    await sandbox.http.post('/_admin/faults').send(rule).expect(201);
    await sandbox.http
      .post('/_admin/faults')
      .send({ ...rule, name: 'other' })
      .expect(201);
    const one = await sandbox.http.delete('/_admin/faults/boom');
    expect(one.status).toBe(200);
    expect(one.body).toEqual({ disarmed: ['boom'] });
    const missing = await sandbox.http.delete('/_admin/faults/boom');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: expect.stringContaining('other'), field: 'name' });
    const all = await sandbox.http.delete('/_admin/faults');
    expect(all.body).toEqual({ disarmed: ['other'] });
    expect((await book(sandbox)).status).toBe(201);
  });
});

describe('the clock', () => {
  it('shows, freezes, advances and releases the sandbox clock', async () => {
    sandbox = testSandbox();
    const shown = await sandbox.http.get('/_admin/clock');
    expect(shown.body).toMatchObject({ now: '2026-06-01T08:00:00+01:00', frozen: true });
    const set = await sandbox.http.put('/_admin/clock').send({ now: '2026-06-03T10:00:00+01:00' });
    expect(set.body).toMatchObject({ now: '2026-06-03T10:00:00+01:00', frozen: true });
    const advanced = await sandbox.http.put('/_admin/clock').send({ advance: 'P1DT30M' });
    expect(advanced.body.now).toBe('2026-06-04T10:30:00+01:00');
    const real = await sandbox.http.put('/_admin/clock').send({ real: true });
    expect(real.body.frozen).toBe(false);
    expect(Math.abs(real.body.epochMs - Date.now())).toBeLessThan(5000);
  });

  it.each([
    ['2026-06-02T08:00:00Z', '2026-06-02T09:00:00+01:00'],
    ['2026-06-02T09:00+01:00', '2026-06-02T09:00:00+01:00'],
    ['2026-06-02T04:00:00-04:00', '2026-06-02T09:00:00+01:00'],
  ])('freezes at %s, an instant with a zone, whatever the host time zone', async (now, shown) => {
    sandbox = testSandbox();
    const res = await sandbox.http.put('/_admin/clock').send({ now });
    expect(res.status).toBe(200);
    expect(res.body.now).toBe(shown);
  });

  it.each([
    [{ now: 'tomorrow' }, 'now'],
    [{ advance: '1 hour' }, 'advance'],
    [{ real: false }, 'real'],
    [{ now: '2026-06-01T08:00:00Z', advance: 'PT1H' }, 'now,advance'],
    [{ later: true }, 'later'],
    // Issue 15 §4: an instant without Z or an offset would be read in the host's time zone.
    [{ now: '2026-06-02T09:00:00' }, 'now'],
    [{ now: '2026-06-02T09:00' }, 'now'],
    [{ now: '2026-06-02T09:00:00.000' }, 'now'],
    [{ now: '2026-02-30T09:00:00Z' }, 'now'],
    [{ now: '2026-06-02' }, 'now'],
    [{ now: 1780387200000 }, 'now'],
    // A clock no answer could format (past year 9999, before 1970) would break every request.
    [{ advance: 'PT99999999999999999999H' }, 'advance'],
    [{ advance: 'P104000000D' }, 'advance'],
    // A year is kept in hand below year 10000 (a running clock drifts; state shows a year ahead).
    [{ now: '9999-06-01T00:00:00Z' }, 'now'],
    [{ advance: '-P30000D' }, 'advance'],
    [{ now: '0001-01-01T00:00:00Z' }, 'now'],
  ])('refuses %j, naming the field', async (body, field) => {
    sandbox = testSandbox();
    const res = await sandbox.http.put('/_admin/clock').send(body);
    expect(res.status).toBe(400);
    expect(res.body.field).toBe(field);
    expect(res.body.error).toEqual(expect.any(String));
    expect((await sandbox.http.get('/_admin/clock')).body.now).toBe('2026-06-01T08:00:00+01:00');
  });

  it('keeps the clock in whole milliseconds, so snapshots and --db files of it load again', async () => {
    sandbox = testSandbox();
    const res = await sandbox.http.put('/_admin/clock').send({ advance: 'PT0.0001S' });
    expect(res.status).toBe(200);
    expect(Number.isInteger(res.body.epochMs)).toBe(true);
    const doc = (await sandbox.http.get('/_admin/snapshot')).body;
    expect((await sandbox.http.put('/_admin/snapshot').send(doc)).status).toBe(200);
  });

  it('refuses a snapshot (the --db file format) whose clock no answer could format, naming clock', async () => {
    sandbox = testSandbox();
    const doc = (await sandbox.http.get('/_admin/snapshot')).body;
    const res = await sandbox.http.put('/_admin/snapshot').send({ ...doc, clock: { offsetMs: 8.9856e15 } });
    expect(res.status).toBe(400);
    expect(res.body.field).toBe('clock');
    expect((await sandbox.http.get('/_admin/clock')).status).toBe(200);
  });
});

describe('snapshots', () => {
  it('exports the default state and imports it back after a reset', async () => {
    sandbox = testSandbox();
    await book(sandbox).expect(201);
    await sandbox.http.post('/_admin/slots').send({ slotId: NEXT_SLOT, status: 'busy' }).expect(200);
    const snapshot = (await sandbox.http.get('/_admin/snapshot')).body;
    expect(snapshot).toMatchObject({
      schemaVersion: 1,
      state: { nextAppointmentId: 2, blockedSlots: [NEXT_SLOT] },
    });
    expect(snapshot.state.appointments).toHaveLength(1);
    await sandbox.http.post('/_admin/reset').expect(200);
    const res = await sandbox.http.put('/_admin/snapshot').send(snapshot);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'imported', appointments: 1 });
    expect((await counts(sandbox)).busySlots).toBe(2);
    expect((await book(sandbox)).status).toBe(422);
    expect((await sandbox.http.get('/Appointment/1').set(envelope('read:appointment-1'))).status).toBe(200);
  });

  // biome-ignore lint/suspicious/noExplicitAny: the cases reach into the document as JSON.
  type Doc = Record<string, any>;
  const cases: Array<[string, (doc: Doc) => void, string]> = [
    ['another schema version', (d) => (d.schemaVersion = 2), 'schemaVersion'],
    ['another seed', (d) => (d.seed = 'abc'), 'seed'],
    ['a clock without offsetMs', (d) => delete d.clock.offsetMs, 'clock.offsetMs'],
    ['an unknown top-level field', (d) => (d.extra = 1), 'extra'],
    [
      'an unknown patient',
      (d) => (d.state.appointments[0].patientId = 'nobody'),
      'state.appointments[0].patientId',
    ],
    [
      'an unknown slot',
      (d) => (d.state.appointments[0].slotIds = ['s1-20260602091']),
      'state.appointments[0].slotIds[0]',
    ],
    ['a bad status', (d) => (d.state.appointments[0].status = 'pending'), 'state.appointments[0].status'],
    [
      'one slot booked twice',
      (d) => d.state.appointments.push({ ...d.state.appointments[0], id: '9' }),
      'state.appointments[1].slotIds[0]',
    ],
    ['an id counter below the ids', (d) => (d.state.nextAppointmentId = 1), 'state.nextAppointmentId'],
    [
      'a fixture patient with a bad NHS number',
      (d) => (d.state.fixturePatients[0].nhsNumber = '1234567890'),
      'state.fixturePatients[0].nhsNumber',
    ],
    [
      'a fixture patient clashing with the seed',
      (d) => (d.state.fixturePatients[0].id = '1'),
      'state.fixturePatients[0].id',
    ],
    ['a blocked slot that does not exist', (d) => (d.state.blockedSlots = ['nope']), 'state.blockedSlots[0]'],
    [
      'a resource nested too deep',
      (d) => {
        let deep: Doc = {};
        for (let i = 0; i < 100; i++) deep = { a: deep };
        d.state.appointments[0].resource.deep = deep;
      },
      'state.appointments[0].resource.deep.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a',
    ],
  ];

  it.each(cases)(
    'refuses a snapshot with %s, naming the field, and changes nothing',
    async (_title, mutate, field) => {
      sandbox = testSandbox();
      await book(sandbox).expect(201);
      await sandbox.http
        .post('/_admin/patients')
        .send({ name: { family: 'Fixture', given: ['Fay'] }, gender: 'female', birthDate: '1990-01-01' })
        .expect(201);
      const snapshot = (await sandbox.http.get('/_admin/snapshot')).body;
      await sandbox.http.post('/_admin/reset').expect(200);
      await book(sandbox, seedExample(NEXT_SLOT, '2')).expect(201);
      const before = (await sandbox.http.get('/_admin/snapshot')).body;
      mutate(snapshot);
      const res = await sandbox.http.put('/_admin/snapshot').send(snapshot);
      expect(res.status).toBe(400);
      expect(res.body.field).toBe(field);
      expect((await sandbox.http.get('/_admin/snapshot')).body).toEqual(before);
    },
  );
});

describe('fixtures', () => {
  const fay = { name: { family: 'Fixture', given: ['Fay'] }, gender: 'female', birthDate: '1990-01-01' };

  it('adds a patient with defaults, who can then book through GP Connect', async () => {
    sandbox = testSandbox();
    const res = await sandbox.http.post('/_admin/patients').send(fay);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      resourceType: 'Patient',
      id: 'fx1',
      active: true,
      name: [{ family: 'Fixture', given: ['Fay'] }],
      managingOrganization: { reference: expect.stringMatching(/^Organization\//) },
    });
    expect(res.body.identifier[0].value).toMatch(/^999\d{7}$/);
    expect((await counts(sandbox)).patients).toBe(32);
    expect((await book(sandbox, seedExample(SLOT, 'fx1'))).status).toBe(201);
  });

  it('adds a patient with its own id, NHS number and magic outcome', async () => {
    sandbox = testSandbox();
    const res = await sandbox.http
      .post('/_admin/patients')
      .send({ ...fay, id: 'demo-1', nhsNumber: '9000000009', magic: 'server-error' });
    expect(res.status).toBe(201);
    expect(res.body.identifier[0].value).toBe('9000000009');
    expect((await book(sandbox, seedExample(SLOT, 'demo-1'))).status).toBe(500);
    const scenarios = await sandbox.http.get('/_admin/scenarios');
    expect(scenarios.body.magicPatients).toContainEqual(
      expect.objectContaining({ id: 'demo-1', nhsNumber: '9000000009' }),
    );
  });

  it.each([
    ['no name', { ...fay, name: undefined }, 400, 'name'],
    ['a bad NHS number', { ...fay, nhsNumber: '9000000001' }, 400, 'nhsNumber'],
    ['a seeded NHS number', { ...fay, nhsNumber: '9996323056' }, 409, 'nhsNumber'],
    ['a seeded id', { ...fay, id: '1' }, 409, 'id'],
    ['an unknown practice', { ...fay, organizationId: 'nope' }, 400, 'organizationId'],
    ['an unknown magic outcome', { ...fay, magic: 'explode' }, 400, 'magic'],
    ['an unknown field', { ...fay, colour: 'blue' }, 400, 'colour'],
    ['a bad birth date', { ...fay, birthDate: '1990-02-30' }, 400, 'birthDate'],
    ['an empty given name', { ...fay, name: { family: 'F', given: [''] } }, 400, 'name.given[0]'],
  ])('refuses a patient with %s', async (_title, body, status, field) => {
    sandbox = testSandbox();
    const res = await sandbox.http.post('/_admin/patients').send(body);
    expect(res.status).toBe(status);
    expect(res.body.field).toBe(field);
    expect((await counts(sandbox)).patients).toBe(31);
  });

  it('holds a generated slot busy for the practice, then frees it', async () => {
    sandbox = testSandbox();
    const busy = await sandbox.http.post('/_admin/slots').send({ slotId: SLOT, status: 'busy' });
    expect(busy.status).toBe(200);
    expect(busy.body).toMatchObject({ resourceType: 'Slot', id: SLOT, status: 'busy-unavailable' });
    expect((await counts(sandbox)).busySlots).toBe(1);
    expect((await book(sandbox)).status).toBe(422);
    const free = await sandbox.http
      .post('/_admin/slots')
      .send({ scheduleId: 's1', start: '2026-06-02T09:00:00+01:00', status: 'free' });
    expect(free.body).toMatchObject({ id: SLOT, status: 'free' });
    expect((await book(sandbox)).status).toBe(201);
  });

  it.each([
    ['an unknown slot', { slotId: 's1-202606020905', status: 'busy' }, 404, 'slotId'],
    ['no status', { slotId: SLOT }, 400, 'status'],
    ['another status', { slotId: SLOT, status: 'tentative' }, 400, 'status'],
    ['no slot', { status: 'busy' }, 400, 'slotId'],
    [
      'a time with no slot',
      { scheduleId: 's1', start: '2026-06-02T09:05:00+01:00', status: 'busy' },
      404,
      'start',
    ],
    [
      'an unknown schedule',
      { scheduleId: 'zz', start: '2026-06-02T09:00:00+01:00', status: 'busy' },
      400,
      'scheduleId',
    ],
    [
      'a time without a zone',
      { scheduleId: 's1', start: '2026-06-02T09:00:00', status: 'busy' },
      400,
      'start',
    ],
  ])('refuses a slot change with %s', async (_title, body, status, field) => {
    sandbox = testSandbox();
    const res = await sandbox.http.post('/_admin/slots').send(body);
    expect(res.status).toBe(status);
    expect(res.body.field).toBe(field);
  });

  it('will not free a slot an appointment holds', async () => {
    sandbox = testSandbox();
    await book(sandbox).expect(201);
    const res = await sandbox.http.post('/_admin/slots').send({ slotId: SLOT, status: 'free' });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: expect.stringContaining('Appointment/1'), field: 'slotId' });
  });

  it('adds a past appointment booked at the practice, over two slots', async () => {
    sandbox = testSandbox();
    const res = await sandbox.http.post('/_admin/appointments').send({
      patientId: '2',
      scheduleId: 's1',
      start: '2026-05-20T09:00:00+01:00',
      end: '2026-05-20T09:20:00+01:00',
      origin: 'not-gpconnect',
      description: 'Asthma review',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      resourceType: 'Appointment',
      id: '1',
      status: 'booked',
      description: 'Asthma review',
      start: '2026-05-20T09:00:00+01:00',
      end: '2026-05-20T09:20:00+01:00',
      slot: [{ reference: 'Slot/s1-202605200900' }, { reference: 'Slot/s1-202605200910' }],
      meta: { tag: [{ code: 'not-gpconnect' }] },
    });
    expect(res.body.contained).toBeUndefined();
    expect(res.body.participant).toContainEqual({ actor: { reference: 'Patient/2' }, status: 'accepted' });
    expect(res.body.created < res.body.start).toBe(true);
    const snapshot = (await sandbox.http.get('/_admin/snapshot')).body;
    expect(snapshot.state.appointments[0]).toMatchObject({
      origin: 'not-gpconnect',
      patientId: '2',
      status: 'booked',
    });
  });

  it('adds a future fixture that reads like a GP Connect booking and holds its slot', async () => {
    sandbox = testSandbox();
    const res = await sandbox.http.post('/_admin/appointments').send({ patientId: '1', slotIds: [SLOT] });
    expect(res.status).toBe(201);
    expect(res.body.contained[0].resourceType).toBe('Organization');
    expect(res.body.meta.tag).toEqual([{ system: 'urn:gpconnect-sandbox:origin', code: 'fixture' }]);
    expect((await book(sandbox)).status).toBe(422);
    const read = await sandbox.http.get(`/Appointment/${res.body.id}`).set(envelope('read:appointment-1'));
    expect(read.status).toBe(200);
    expect(JSON.parse(read.text).meta.tag).toBeUndefined();
  });

  it('adds a cancelled appointment without taking the slot from its booking', async () => {
    sandbox = testSandbox();
    await book(sandbox).expect(201);
    const res = await sandbox.http
      .post('/_admin/appointments')
      .send({ patientId: '3', slotIds: [SLOT], status: 'cancelled', cancellationReason: 'Patient unwell' });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('cancelled');
    expect(res.body.extension).toContainEqual({
      url: 'https://fhir.nhs.uk/STU3/StructureDefinition/Extension-GPConnect-AppointmentCancellationReason-1',
      valueString: 'Patient unwell',
    });
    const state = (await sandbox.http.get('/_admin/state?days=2')).body;
    expect(state.counts).toMatchObject({ appointments: 2, busySlots: 1 });
    expect(state.slots.find((s: { id: string }) => s.id === SLOT).status).toBe('busy');
  });

  it.each([
    ['an unknown patient', { patientId: 'nobody', slotIds: [SLOT] }, 400, 'patientId'],
    ['no slots', { patientId: '1' }, 400, 'slotIds'],
    [
      'slotIds and start',
      { patientId: '1', slotIds: [SLOT], scheduleId: 's1', start: '2026-06-02T09:00:00+01:00' },
      400,
      'slotIds',
    ],
    ['an unknown slot', { patientId: '1', slotIds: ['s1-202606020901'] }, 400, 'slotIds[0]'],
    ['slots apart', { patientId: '1', slotIds: [SLOT, 's1-202606020930'] }, 400, 'slotIds'],
    ['slots on two schedules', { patientId: '1', slotIds: [SLOT, 's2-202606020910'] }, 400, 'slotIds[1]'],
    [
      'an end between slots',
      {
        patientId: '1',
        scheduleId: 's1',
        start: '2026-06-02T09:00:00+01:00',
        end: '2026-06-02T09:15:00+01:00',
      },
      400,
      'end',
    ],
    [
      'a reason on a booked appointment',
      { patientId: '1', slotIds: [SLOT], cancellationReason: 'x' },
      400,
      'cancellationReason',
    ],
    ['an origin of its own', { patientId: '1', slotIds: [SLOT], origin: 'gpconnect' }, 400, 'origin'],
  ])('refuses an appointment with %s', async (_title, body, status, field) => {
    sandbox = testSandbox();
    const res = await sandbox.http.post('/_admin/appointments').send(body);
    expect(res.status).toBe(status);
    expect(res.body.field).toBe(field);
    expect((await counts(sandbox)).appointments).toBe(0);
  });

  it('refuses a booked appointment on a slot already held', async () => {
    sandbox = testSandbox();
    await book(sandbox).expect(201);
    await sandbox.http.post('/_admin/slots').send({ slotId: NEXT_SLOT, status: 'busy' }).expect(200);
    const taken = await sandbox.http.post('/_admin/appointments').send({ patientId: '2', slotIds: [SLOT] });
    expect(taken.status).toBe(409);
    expect(taken.body).toEqual({ error: expect.stringContaining('Appointment/1'), field: 'slotIds[0]' });
    const held = await sandbox.http
      .post('/_admin/appointments')
      .send({ patientId: '2', slotIds: [NEXT_SLOT] });
    expect(held.status).toBe(409);
    expect(held.body.error).toContain('practice');
  });
});

describe.each(['careconnect', 'gpconnect-1.2.7'] as const)(
  'fixture appointments on the FHIR API (%s)',
  (profile) => {
    async function fixture(body: Record<string, unknown>) {
      const res = await sandbox.http.post('/_admin/appointments').send(body);
      expect(res.status).toBe(201);
      return res.body.id as string;
    }
    const read = (id: string) => sandbox.http.get(`/Appointment/${id}`).set(envelope('read:appointment-1'));
    const retrieve = () =>
      sandbox.http
        .get('/Patient/2/Appointment?start=ge2026-06-01&start=le2026-06-30')
        .set(envelope('search:patient_appointments-1'));
    const slotOffered = async (slotId: string) => {
      const res = await sandbox.http
        .get('/Slot?status=free&start=ge2026-06-02&end=le2026-06-02&_include=Slot:schedule')
        .set(envelope('search:slot-1'));
      return entries(res, 'Slot').some((s) => s.id === slotId);
    };

    it.each(['fixture', 'not-gpconnect'])(
      'reads, retrieves and cancels a future %s appointment',
      async (origin) => {
        sandbox = testSandbox({ profile });
        const id = await fixture({ patientId: '2', slotIds: [SLOT], origin, description: 'Review' });
        expect(await slotOffered(SLOT)).toBe(false);
        const res = await read(id);
        expect(res.status).toBe(200);
        const appointment = fhirBody(res);
        expect(appointment.meta.tag).toBeUndefined();
        expect(entries(await retrieve(), 'Appointment').map((a) => a.id)).toEqual([id]);
        const cancelled = await putAppointment(sandbox, id, asCancel(appointment), 'cancel:appointment-1');
        expect(cancelled.status).toBe(200);
        expect(fhirBody(cancelled).status).toBe('cancelled');
        expect(await slotOffered(SLOT)).toBe(true);
      },
    );

    it('hides a past appointment from read and retrieve, and refuses to cancel it', async () => {
      sandbox = testSandbox({ profile });
      const past = await fixture({
        patientId: '2',
        scheduleId: 's1',
        start: '2026-05-20T09:00:00+01:00',
        origin: 'not-gpconnect',
      });
      const cancelled = await fixture({ patientId: '2', slotIds: [NEXT_SLOT], status: 'cancelled' });
      expect((await read(past)).status).toBe(404);
      expect(entries(await retrieve(), 'Appointment').map((a) => a.id)).toEqual([cancelled]);
      const stored = (await sandbox.http.get('/_admin/state')).body.appointments.find(
        (a: { id: string }) => a.id === past,
      );
      const { meta: _meta, ...body } = stored;
      const res = await putAppointment(sandbox, past, asCancel(body), 'cancel:appointment-1');
      expect(res.status).toBe(422);
    });
  },
);

describe('the admin token', () => {
  it('leaves health and the page open, and closes every other call', async () => {
    // 17 wrong tokens in a row: unthrottled here (throttling: test/http/admin-token-limits.test.ts).
    sandbox = testSandbox({
      adminToken: TOKEN,
      tokenThrottle: { failures: Number.MAX_SAFE_INTEGER, windowMs: 60_000 },
    });
    expect((await sandbox.http.get('/_admin/health')).status).toBe(200);
    expect((await sandbox.http.get('/_admin/openapi.json')).status).toBe(200);
    const page = await sandbox.http.get('/_admin/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect((await sandbox.http.get('/_admin/auth')).body).toEqual({
      tokenRequired: true,
      tokenAccepted: false,
    });
    for (const [method, path] of [
      ['get', '/_admin/state'],
      ['post', '/_admin/reset'],
      ['get', '/_admin/requests'],
      ['get', '/_admin/scenarios'],
      ['put', '/_admin/scenario'],
      ['get', '/_admin/faults'],
      ['post', '/_admin/faults'],
      ['delete', '/_admin/faults'],
      ['delete', '/_admin/faults/x'],
      ['get', '/_admin/clock'],
      ['put', '/_admin/clock'],
      ['get', '/_admin/snapshot'],
      ['put', '/_admin/snapshot'],
      ['post', '/_admin/patients'],
      ['post', '/_admin/slots'],
      ['post', '/_admin/appointments'],
      ['get', '/_admin/metrics'],
      ['get', '/_admin/nothing'],
    ] as const) {
      const none = await sandbox.http[method](path);
      expect(none.status, `${method} ${path}`).toBe(401);
      expect(none.body).toEqual({ error: expect.stringContaining('X-Admin-Token'), field: 'X-Admin-Token' });
      const wrong = await sandbox.http[method](path).set('X-Admin-Token', `${TOKEN}x`);
      expect(wrong.status, `${method} ${path}`).toBe(401);
    }
    const ok = await sandbox.http.get('/_admin/state').set('X-Admin-Token', TOKEN);
    expect(ok.status).toBe(200);
    expect((await sandbox.http.get('/_admin/auth').set('X-Admin-Token', TOKEN)).body.tokenAccepted).toBe(
      true,
    );
  });

  it.each([
    '/_admin/../_admin/reset',
    '/_admin/./reset',
    '/_admin//reset',
    '/_admin/%2e%2e/_admin/reset',
    '/_admin/%2E/reset',
    '/_admin/%2freset',
    '/_admin%2freset',
    '/_admin/health/../reset',
    '/_admin/health/..%2freset',
    '/_admin/health%2f..%2freset',
    '/_admin\\reset',
    '/_admin/health\\..\\reset',
    '/_admin/%252e%252e/reset',
    '/_ADMIN/reset',
    '/_Admin/reset',
    '/_admin/Reset',
    '/_admin/reset/',
    '/_admin/reset;x',
    '/x/https://host/_admin/reset',
  ])('does not let %s past the token', async (path) => {
    sandbox = testSandbox({ adminToken: TOKEN });
    await book(sandbox).expect(201);
    const res = await raw(sandbox, 'POST', path);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.body).not.toContain('"reset"');
    expect((await counts(sandbox, { 'X-Admin-Token': TOKEN })).appointments).toBe(1);
  });

  it('keeps the admin API off the FHIR base path', async () => {
    const base = '/A20047/STU3/1/gpconnect';
    sandbox = testSandbox({ basePath: base });
    await sandbox.http
      .post(`${base}/Appointment`)
      .set(envelope('create:appointment-1'))
      .set('Content-Type', 'application/fhir+json')
      .send(JSON.stringify(seedExample()))
      .expect(201);
    for (const path of ['/_admin/state', '/_admin/reset', '/_admin/health']) {
      const res = await sandbox.http.post(`${base}${path}`);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toBe('application/fhir+json;charset=utf-8');
    }
    expect((await counts(sandbox)).appointments).toBe(1);
  });

  it('refuses a changing call sent by a page on another origin', async () => {
    sandbox = testSandbox();
    await book(sandbox).expect(201);
    const res = await sandbox.http.post('/_admin/reset').set('Origin', 'https://evil.example');
    expect(res.status).toBe(403);
    expect(res.body.field).toBe('Origin');
    expect((await counts(sandbox)).appointments).toBe(1);
    const host = await raw(sandbox, 'POST', '/_admin/reset', {});
    expect(host.status).toBe(200);
  });
});

describe('sessions on the admin API', () => {
  const S = { 'X-Sandbox-Session': 'ci-test-1' };

  it('keeps bookings, faults, fixtures, journal, scenario and resets apart per session', async () => {
    sandbox = testSandbox();
    await book(sandbox, seedExample(), S).expect(201);
    await sandbox.http
      .post('/_admin/faults')
      .set(S)
      .send({ name: 'only-here', error: { code: 'BAD_REQUEST' } })
      .expect(201);
    await sandbox.http
      .post('/_admin/patients')
      .set(S)
      .send({ name: { family: 'Session', given: ['Sam'] }, gender: 'male', birthDate: '1980-05-05' })
      .expect(201);
    await sandbox.http.put('/_admin/scenario').set(S).send({ name: 'slow-provider' }).expect(200);

    expect(await counts(sandbox, S)).toMatchObject({ appointments: 1, patients: 32 });
    expect(await counts(sandbox)).toMatchObject({ appointments: 0, patients: 31 });
    expect(
      (await sandbox.http.get('/_admin/faults').set(S)).body.map((r: { name: string }) => r.name),
    ).toContain('only-here');
    expect((await sandbox.http.get('/_admin/faults')).body).toEqual([]);
    expect((await sandbox.http.get('/_admin/state').set(S)).body).toMatchObject({
      session: 'ci-test-1',
      scenario: 'slow-provider',
    });
    expect((await sandbox.http.get('/_admin/state')).body.scenario).toBeNull();
    expect((await sandbox.http.get('/_admin/requests').set(S)).body).toHaveLength(1);
    expect((await sandbox.http.get('/_admin/requests')).body).toEqual([]);
    expect((await sandbox.http.get('/_admin/snapshot').set(S)).body.state.appointments).toHaveLength(1);
    expect((await sandbox.http.get('/_admin/snapshot')).body.state.appointments).toHaveLength(0);

    await book(sandbox).expect(201);
    await sandbox.http.post('/_admin/reset').set(S).expect(200);
    expect((await counts(sandbox, S)).appointments).toBe(0);
    expect((await counts(sandbox)).appointments).toBe(1);
  });

  it('imports a snapshot into one session only', async () => {
    sandbox = testSandbox();
    await book(sandbox).expect(201);
    const snapshot = (await sandbox.http.get('/_admin/snapshot')).body;
    await sandbox.http.post('/_admin/reset').expect(200);
    await sandbox.http.put('/_admin/snapshot').set(S).send(snapshot).expect(200);
    expect((await counts(sandbox, S)).appointments).toBe(1);
    expect((await counts(sandbox)).appointments).toBe(0);
  });

  it('refuses a malformed session id, and a session beyond --max-sessions', async () => {
    sandbox = testSandbox({ maxSessions: 1 });
    const bad = await sandbox.http.get('/_admin/state').set('X-Sandbox-Session', 'no spaces allowed');
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('X-Sandbox-Session');
    await sandbox.http.get('/_admin/state').set('X-Sandbox-Session', 'one').expect(200);
    const tooMany = await sandbox.http.get('/_admin/state').set('X-Sandbox-Session', 'two');
    expect(tooMany.status).toBe(429);
    expect(tooMany.body.field).toBe('X-Sandbox-Session');
  });
});
