import { afterEach, describe, expect, it } from 'vitest';
import { BOOKING_ORG_URL, CC_PROFILE, GPC_PROFILE, gpcBooking, seedExample } from '../helpers/bodies.js';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

type Body = Record<string, unknown>;
type Row = [title: string, mutate: (b: Body) => void, status: number, code: string, diagnostics: RegExp];

let sandbox: TestSandbox;
afterEach(async () => {
  await sandbox?.close();
});

function post(sb: TestSandbox, body: unknown, headers: Record<string, string> = {}) {
  return sb.http
    .post('/Appointment')
    .set(envelope('create:appointment-1'))
    .set('Content-Type', 'application/fhir+json')
    .set(headers)
    .send(typeof body === 'string' ? body : JSON.stringify(body));
}

function outcome(text: string) {
  const body = JSON.parse(text);
  expect(body.resourceType).toBe('OperationOutcome');
  return {
    code: body.issue[0].details.coding[0].code as string,
    diagnostics: body.issue[0].diagnostics as string,
  };
}

const participants = (b: Body) => b['participant'] as Array<Record<string, unknown>>;

describe('booking on the default careconnect profile (the seed page)', () => {
  it("books the seed page's example once its references point at a seeded patient and a free slot", async () => {
    sandbox = testSandbox();
    const res = await post(sandbox, seedExample());
    expect(res.status).toBe(201);
    const body = JSON.parse(res.text);
    expect(body.id).not.toBe('123123');
    expect(res.headers['location']).toMatch(new RegExp(`/Appointment/${body.id}/_history/1$`));
    expect(res.headers['etag']).toBe('W/"1"');
    expect(res.headers['last-modified']).toMatch(/GMT$/);
    expect(body.meta.profile).toEqual([CC_PROFILE]);
    expect(body.meta.versionId).toBe('1');
    expect(body.created).toBe('2017-10-09T13:48:41+01:00');
    expect(body.start).toBe('2026-06-02T09:00:00+01:00');
    expect(body.end).toBe('2026-06-02T09:10:00+01:00');
    expect(body.description).toBe('Free text description.');
    expect(body.comment).toBe('Free text comment.');
    expect(body.participant[0].actor.reference).toBe('Patient/1');

    const read = await sandbox.http.get(`/Appointment/${body.id}`).set(envelope('read:appointment-1'));
    expect(read.status).toBe(200);
    expect(read.headers['etag']).toBe('W/"1"');
    expect(JSON.parse(read.text)).toEqual(body);

    const state = await sandbox.http.get('/_admin/state');
    expect(state.body.counts.appointments).toBe(1);
    const slot = state.body.slots.find((s: { id: string }) => s.id === 's1-202606020900');
    expect(slot.status).toBe('busy');
  });

  it('sets created when absent and accepts application/json', async () => {
    sandbox = testSandbox();
    const body = seedExample();
    delete body['created'];
    const res = await post(sandbox, body, { 'Content-Type': 'application/json; charset=utf-8' });
    expect(res.status).toBe(201);
    expect(JSON.parse(res.text).created).toBe('2026-06-01T08:00:00+01:00');
  });

  it('refuses a slot that is no longer free with 422 DUPLICATE_REJECTED', async () => {
    sandbox = testSandbox();
    expect((await post(sandbox, seedExample())).status).toBe(201);
    const again = await post(sandbox, seedExample('s1-202606020900', '2'));
    expect(again.status).toBe(422);
    const { code, diagnostics } = outcome(again.text);
    expect(code).toBe('DUPLICATE_REJECTED');
    expect(diagnostics).toContain('Slot/s1-202606020900');
  });

  it('books several slots together when adjacent on one schedule', async () => {
    sandbox = testSandbox();
    const body = seedExample();
    body['slot'] = [{ reference: 'Slot/s1-202606020910' }, { reference: 'Slot/s1-202606020900' }];
    const res = await post(sandbox, body);
    expect(res.status).toBe(201);
    const booked = JSON.parse(res.text);
    expect(booked.start).toBe('2026-06-02T09:00:00+01:00');
    expect(booked.end).toBe('2026-06-02T09:20:00+01:00');
  });

  const rows: Row[] = [
    ['no status', (b) => delete b['status'], 422, 'INVALID_RESOURCE', /status is required/],
    [
      'a status other than booked',
      (b) => (b['status'] = 'pending'),
      422,
      'INVALID_RESOURCE',
      /status must be "booked"/,
    ],
    ['a number for status', (b) => (b['status'] = 7), 422, 'INVALID_RESOURCE', /status must be a string/],
    ['no slot', (b) => delete b['slot'], 422, 'INVALID_RESOURCE', /slot is required/],
    [
      'an object for slot',
      (b) => (b['slot'] = { reference: 'Slot/s1-202606020900' }),
      422,
      'INVALID_RESOURCE',
      /slot must be an array/,
    ],
    ['an empty slot list', (b) => (b['slot'] = []), 422, 'INVALID_RESOURCE', /at least one/],
    [
      'an absolute slot reference',
      (b) => (b['slot'] = [{ reference: 'https://other.example/Slot/s1-202606020900' }]),
      422,
      'INVALID_RESOURCE',
      /slot\[0\]\.reference .*absolute/,
    ],
    [
      'a slot reference to another type',
      (b) => (b['slot'] = [{ reference: 'Patient/1' }]),
      422,
      'INVALID_RESOURCE',
      /slot\[0\]\.reference/,
    ],
    [
      'a slot that does not exist',
      (b) => (b['slot'] = [{ reference: 'Slot/s1-202606020905' }]),
      422,
      'REFERENCE_NOT_FOUND',
      /slot\[0\]\.reference "Slot\/s1-202606020905" does not exist/,
    ],
    [
      "the example's Slot/1 left in place",
      (b) => (b['slot'] = [{ reference: 'Slot/1' }]),
      422,
      'REFERENCE_NOT_FOUND',
      /placeholder/,
    ],
    [
      'a {{placeholder}} reference',
      (b) => (b['slot'] = [{ reference: 'Slot/{{slotId}}' }]),
      422,
      'INVALID_RESOURCE',
      /placeholder/,
    ],
    [
      'no patient participant',
      (b) => (b['participant'] = [{ actor: { reference: 'Location/l1' }, status: 'accepted' }]),
      422,
      'INVALID_RESOURCE',
      /Patient/,
    ],
    [
      'a patient that does not exist',
      (b) => (participants(b)[0]!['actor'] = { reference: 'Patient/nobody' }),
      422,
      'REFERENCE_NOT_FOUND',
      /Patient\/nobody/,
    ],
    [
      'a participant without actor',
      (b) => delete participants(b)[0]!['actor'],
      422,
      'INVALID_RESOURCE',
      /participant\[0\]\.actor is required/,
    ],
    [
      'a start that does not match the slot',
      (b) => Object.assign(b, { start: '2026-06-02T09:10:00+01:00', end: '2026-06-02T09:20:00+01:00' }),
      422,
      'INVALID_RESOURCE',
      /start .* does not match Slot\/s1-202606020900, which starts at 2026-06-02T09:00:00\+01:00/,
    ],
    [
      'a time in UTC with Z',
      (b) => Object.assign(b, { start: '2026-06-02T08:00:00Z', end: '2026-06-02T08:10:00Z' }),
      422,
      'INVALID_RESOURCE',
      /UK local with an explicit offset, e.g. 2026-06-02T09:00:00\+01:00/,
    ],
    [
      'a time without an offset',
      (b) => Object.assign(b, { start: '2026-06-02T09:00:00', end: '2026-06-02T09:10:00' }),
      422,
      'INVALID_RESOURCE',
      /no offset/,
    ],
    [
      'the winter offset in summer',
      (b) => Object.assign(b, { start: '2026-06-02T09:00:00+00:00', end: '2026-06-02T09:10:00+00:00' }),
      422,
      'INVALID_RESOURCE',
      /\+01:00 \(BST\)/,
    ],
    [
      'slots that are not adjacent',
      (b) => (b['slot'] = [{ reference: 'Slot/s1-202606020900' }, { reference: 'Slot/s1-202606020920' }]),
      422,
      'INVALID_RESOURCE',
      /adjacent/,
    ],
    [
      'slots on two schedules',
      (b) => (b['slot'] = [{ reference: 'Slot/s1-202606020900' }, { reference: 'Slot/s2-202606020910' }]),
      422,
      'INVALID_RESOURCE',
      /share one schedule/,
    ],
    [
      'the same slot twice',
      (b) => (b['slot'] = [{ reference: 'Slot/s1-202606020900' }, { reference: 'Slot/s1-202606020900' }]),
      422,
      'INVALID_RESOURCE',
      /listed twice/,
    ],
    [
      'a slot in the past',
      (b) => (b['slot'] = [{ reference: 'Slot/s1-202605310900' }]),
      422,
      'INVALID_RESOURCE',
      /not in the future/,
    ],
    [
      'a slot beyond the horizon',
      (b) => (b['slot'] = [{ reference: 'Slot/s1-202612010900' }]),
      422,
      'REFERENCE_NOT_FOUND',
      /offered up to/,
    ],
    [
      'a slot the practice does not offer',
      (b) => (b['slot'] = [{ reference: 'Slot/practice-only-202606020900' }]),
      422,
      'INVALID_RESOURCE',
      /not offered/,
    ],
    ['an unknown element', (b) => (b['slots'] = []), 422, 'INVALID_RESOURCE', /slots is not an element/],
    [
      'another resource type',
      (b) => (b['resourceType'] = 'Bundle'),
      422,
      'INVALID_RESOURCE',
      /resourceType must be "Appointment"/,
    ],
    [
      'a number for description',
      (b) => (b['description'] = 5),
      422,
      'INVALID_RESOURCE',
      /description must be a string/,
    ],
    [
      'a string for participant',
      (b) => (b['participant'] = 'Patient/1'),
      422,
      'INVALID_RESOURCE',
      /participant must be an array/,
    ],
    [
      'status only under __proto__',
      (b) => {
        delete b['status'];
        Object.defineProperty(b, '__proto__', { value: { status: 'booked' }, enumerable: true });
      },
      422,
      'INVALID_RESOURCE',
      /status is required/,
    ],
  ];

  it.each(rows)('refuses %s and books nothing', async (_title, mutate, status, code, diagnostics) => {
    sandbox = testSandbox();
    const body = seedExample();
    mutate(body);
    const res = await post(sandbox, body);
    expect(res.status, res.text).toBe(status);
    expect(res.headers['content-type']).toBe('application/fhir+json;charset=utf-8');
    const o = outcome(res.text);
    expect(o.code).toBe(code);
    expect(o.diagnostics).toMatch(diagnostics);
    expect(sandbox.core.defaultWorld.state.appointments.size).toBe(0);
    expect(sandbox.core.defaultWorld.state.busy.size).toBe(0);
  });

  it.each([
    ['text/plain', 415],
    ['application/x-www-form-urlencoded', 415],
    ['application/fhir+json; charset=latin1', 415],
  ])('refuses Content-Type %s with %i', async (type, status) => {
    sandbox = testSandbox();
    const res = await post(sandbox, seedExample(), { 'Content-Type': type });
    expect(res.status).toBe(status);
    expect(outcome(res.text).code).toBe('BAD_REQUEST');
  });

  it('answers Prefer: return=minimal with an empty 201', async () => {
    sandbox = testSandbox();
    const res = await post(sandbox, seedExample(), { Prefer: 'return=minimal' });
    expect(res.status).toBe(201);
    expect(res.text).toBe('');
    expect(res.headers['location']).toMatch(/\/Appointment\/1\/_history\/1$/);
  });

  it('refuses deeply nested JSON with a 4xx, not a crash', async () => {
    sandbox = testSandbox();
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const res = await post(sandbox, `{"resourceType":"Appointment","status":"booked","comment":${deep}}`);
    expect(res.status).toBe(400);
    expect(outcome(res.text).diagnostics).toMatch(/deeper than/);
  });

  it('reads an unknown appointment as 404 NO_RECORD_FOUND', async () => {
    sandbox = testSandbox();
    const res = await sandbox.http.get('/Appointment/999').set(envelope('read:appointment-1'));
    expect(res.status).toBe(404);
    expect(outcome(res.text).code).toBe('NO_RECORD_FOUND');
  });
});

describe('booking on the gpconnect-1.2.7 profile', () => {
  it('books a 1.2.7 request and fills what the provider owns', async () => {
    sandbox = testSandbox({ profile: 'gpconnect-1.2.7' });
    const body = gpcBooking();
    body['serviceType'] = [{ text: 'ignored by the provider' }];
    const res = await post(sandbox, body);
    expect(res.status, res.text).toBe(201);
    const booked = JSON.parse(res.text);
    expect(booked.meta.profile).toEqual([GPC_PROFILE]);
    expect(booked.serviceType).toEqual(
      [{ text: 'General Appointment' }].map((x) => ({ text: expect.any(String) ?? x.text })),
    );
    expect(booked.serviceType[0].text).not.toBe('ignored by the provider');
    expect(booked.serviceCategory.text).toEqual(expect.any(String));
    const urls = booked.extension.map((e: { url: string }) => e.url);
    expect(urls).toContain(BOOKING_ORG_URL);
    expect(urls).toContain(
      'https://fhir.nhs.uk/STU3/StructureDefinition/Extension-GPConnect-PractitionerRole-1',
    );
    expect(urls).toContain(
      'https://fhir.nhs.uk/STU3/StructureDefinition/Extension-GPConnect-DeliveryChannel-2',
    );
    expect(booked.participant.map((p: { actor: { reference: string } }) => p.actor.reference)).toContain(
      'Practitioner/p1',
    );
    expect(booked.contained[0].name).toBe('Example 111 Service');
  });

  it('refuses a slot that is no longer free with 409 DUPLICATE_REJECTED', async () => {
    sandbox = testSandbox({ profile: 'gpconnect-1.2.7' });
    expect((await post(sandbox, gpcBooking())).status).toBe(201);
    const again = await post(sandbox, gpcBooking({ patientId: '2' }));
    expect(again.status).toBe(409);
    expect(outcome(again.text).code).toBe('DUPLICATE_REJECTED');
  });

  const org = (b: Body) => (b['contained'] as Body[])[0]!;
  const gpcRows: Row[] = [
    [
      'no Location participant',
      (b) => participants(b).splice(1, 1),
      422,
      'INVALID_RESOURCE',
      /must include a Location/,
    ],
    [
      'a participant without status',
      (b) => delete participants(b)[0]!['status'],
      422,
      'INVALID_RESOURCE',
      /participant\[0\]\.status is required/,
    ],
    ['no meta.profile', (b) => delete b['meta'], 422, 'INVALID_RESOURCE', /meta\.profile/],
    ['no start', (b) => delete b['start'], 422, 'INVALID_RESOURCE', /start is required/],
    ['no created', (b) => delete b['created'], 422, 'INVALID_RESOURCE', /created is required/],
    ['no description', (b) => delete b['description'], 422, 'INVALID_RESOURCE', /description is required/],
    [
      'a description over 100 characters',
      (b) => (b['description'] = 'x'.repeat(101)),
      422,
      'INVALID_RESOURCE',
      /description is 101 characters/,
    ],
    [
      'a comment over 500 characters',
      (b) => (b['comment'] = 'x'.repeat(501)),
      422,
      'INVALID_RESOURCE',
      /comment is 501 characters/,
    ],
    [
      'a reason',
      (b) => (b['reason'] = [{ text: 'cough' }]),
      422,
      'INVALID_RESOURCE',
      /reason must not be sent.*description/,
    ],
    [
      'a specialty',
      (b) => (b['specialty'] = [{ text: 'GP' }]),
      422,
      'INVALID_RESOURCE',
      /specialty must not be sent/,
    ],
    [
      'no booking organisation extension',
      (b) => (b['extension'] = []),
      422,
      'INVALID_RESOURCE',
      /booking organisation/,
    ],
    [
      'a booking organisation reference without #',
      (b) => (b['extension'] = [{ url: BOOKING_ORG_URL, valueReference: { reference: 'Organization/1' } }]),
      422,
      'INVALID_RESOURCE',
      /contained booking Organization/,
    ],
    [
      'a booking organisation without a phone',
      (b) => delete org(b)['telecom'],
      422,
      'INVALID_RESOURCE',
      /phone number/,
    ],
    [
      'a booking organisation without an ODS code',
      (b) => delete org(b)['identifier'],
      422,
      'INVALID_RESOURCE',
      /ODS code/,
    ],
    [
      'a booking organisation without a name',
      (b) => delete org(b)['name'],
      422,
      'INVALID_RESOURCE',
      /name is required/,
    ],
    [
      'an unknown extension',
      (b) => (b['extension'] as Body[]).push({ url: 'https://example.org/x', valueString: 'y' }),
      422,
      'INVALID_RESOURCE',
      /not an extension GP Connect allows/,
    ],
    [
      "a delivery channel other than the slot's",
      (b) =>
        (b['extension'] as Body[]).push({
          url: 'https://fhir.nhs.uk/STU3/StructureDefinition/Extension-GPConnect-DeliveryChannel-2',
          valueCode: 'Video',
        }),
      422,
      'INVALID_RESOURCE',
      /delivery channel/,
    ],
    [
      "a Location other than the schedule's",
      (b) => (participants(b)[1]!['actor'] = { reference: 'Location/l2' }),
      422,
      'INVALID_RESOURCE',
      /not the Location of the slot's schedule/,
    ],
    [
      "a Practitioner other than the schedule's",
      (b) => participants(b).push({ actor: { reference: 'Practitioner/p2' }, status: 'accepted' }),
      422,
      'INVALID_RESOURCE',
      /not the Practitioner/,
    ],
    [
      'an urgent-care-only slot booked by an organisation without that type',
      (b) =>
        Object.assign(b, {
          slot: [{ reference: 'Slot/urgent-care-202606020900' }],
          start: '2026-06-02T09:00:00+01:00',
          end: '2026-06-02T09:15:00+01:00',
          participant: [participants(b)[0], { actor: { reference: 'Location/l3' }, status: 'accepted' }],
        }),
      422,
      'INVALID_RESOURCE',
      /offered only to urgent-care/,
    ],
  ];

  it.each(gpcRows)('refuses %s', async (_title, mutate, status, code, diagnostics) => {
    sandbox = testSandbox({ profile: 'gpconnect-1.2.7' });
    const body = gpcBooking();
    mutate(body);
    const res = await post(sandbox, body);
    expect(res.status, res.text).toBe(status);
    const o = outcome(res.text);
    expect(o.code).toBe(code);
    expect(o.diagnostics).toMatch(diagnostics);
    expect(sandbox.core.defaultWorld.state.appointments.size).toBe(0);
  });

  it('books an urgent-care-only slot for an urgent-care booking organisation', async () => {
    sandbox = testSandbox({ profile: 'gpconnect-1.2.7' });
    const body = gpcBooking({
      slots: [
        {
          id: 'urgent-care-202606020900',
          start: '2026-06-02T09:00:00+01:00',
          end: '2026-06-02T09:15:00+01:00',
        },
      ],
      locationId: 'l3',
      orgType: 'urgent-care',
    });
    const res = await post(sandbox, body);
    expect(res.status, res.text).toBe(201);
  });

  it('refuses application/json with 415, as a 1.2.7 provider does', async () => {
    sandbox = testSandbox({ profile: 'gpconnect-1.2.7' });
    const res = await post(sandbox, gpcBooking(), { 'Content-Type': 'application/json' });
    expect(res.status).toBe(415);
  });
});
