import { afterEach, describe, expect, it } from 'vitest';
import { buildClaims, encodeUnsignedJwt } from '../../src/auth/build-headers.js';
import { toFhirXml } from '../../src/fhir/xml.js';
import { asCancel, bookS1, type ProfileName, putAppointment } from '../helpers/appointments.js';
import { gpcBooking, seedExample } from '../helpers/bodies.js';
import { entries, expectOutcome, fhirBody, type Loose } from '../helpers/outcome.js';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

/** Diagnostics that name what consumers really get wrong (issue 14, item 11). */

let sandbox: TestSandbox;
afterEach(async () => {
  await sandbox?.close();
});

const PROFILES: ProfileName[] = ['careconnect', 'gpconnect-1.2.7'];
const DAY = 'status=free&start=ge2026-06-02&end=le2026-06-02';
const ARRAY_FORM = /the array-bracket form of _include that axios and qs write for arrays/;

describe.each(PROFILES)('parameters in array-bracket form (%s)', (profile) => {
  it.each([
    ['_include[]', `${DAY}&_include[]=Slot:schedule`],
    ['_include%5B%5D', `${DAY}&_include%5B%5D=Slot:schedule`],
    ['_include[0]', `${DAY}&_include[0]=Slot:schedule`],
  ])('a slot search with %s names it as the array form of _include', async (key, query) => {
    sandbox = testSandbox({ profile });
    const res = await sandbox.http.get(`/Slot?${query}`).set(envelope('search:slot-1'));
    const diagnostics = expectOutcome(res, 400, 'BAD_REQUEST');
    expect(diagnostics).toMatch(/^_include=Slot:schedule is required/);
    expect(diagnostics).toContain(`the request has "${decodeURIComponent(key)}"`);
    expect(diagnostics).toMatch(ARRAY_FORM);
  });

  it('a required parameter in array form is named (start[] on a slot search)', async () => {
    sandbox = testSandbox({ profile });
    const res = await sandbox.http
      .get('/Slot?start[]=ge2026-06-02&end=le2026-06-02&status=free&_include=Slot:schedule')
      .set(envelope('search:slot-1'));
    expect(expectOutcome(res, 400, 'BAD_REQUEST')).toMatch(
      /start is required.*the request has "start\[\]", the array-bracket form of start/,
    );
  });

  it('retrieve with start[] twice names the array form of start', async () => {
    sandbox = testSandbox({ profile });
    const res = await sandbox.http
      .get('/Patient/1/Appointment?start[]=ge2026-06-02&start[]=le2026-06-20')
      .set(envelope('search:patient_appointments-1'));
    expect(expectOutcome(res, 422, 'INVALID_PARAMETER')).toMatch(
      /"start\[\]", the array-bracket form of start/,
    );
  });

  it('an optional parameter in array form answers with a warning that it was not read', async () => {
    sandbox = testSandbox({ profile });
    const res = await sandbox.http
      .get(
        `/Slot?${DAY}&_include=Slot:schedule&searchFilter%5B%5D=${encodeURIComponent('https://fhir.nhs.uk/STU3/CodeSystem/GPConnect-OrganisationType-1|urgent-care')}`,
      )
      .set(envelope('search:slot-1'));
    expect(res.status).toBe(200);
    expect(res.headers['x-sandbox-warning']).toMatch(
      /the query parameter searchFilter\[\] is the array-bracket form of searchFilter .* so searchFilter\[\] is not read/,
    );
    // Not read: the urgent-care slots stay hidden.
    expect(entries(res, 'Slot').some((s) => s.schedule.reference === 'Schedule/urgent-care')).toBe(false);
  });

  it('a request without bracketed parameters gets no such warning', async () => {
    sandbox = testSandbox({ profile });
    const res = await sandbox.http.get(`/Slot?${DAY}&_include=Slot:schedule`).set(envelope('search:slot-1'));
    expect(res.status).toBe(200);
    expect(res.headers['x-sandbox-warning']).toBeUndefined();
  });
});

/** Claims changed from a valid token, as left from a Postman example. */
const PLACEHOLDERS: Array<[string, (claims: Loose) => void, RegExp]> = [
  [
    'aud providerURL_1_x_x',
    (c) => (c['aud'] = 'providerURL_1_x_x'),
    /JWT aud "providerURL_1_x_x" is not a URL \(it looks like a placeholder left from a Postman example\): aud is the provider's service root URL/,
  ],
  [
    'aud without a scheme',
    (c) => (c['aud'] = 'provider.example.nhs.uk/gpconnect'),
    /JWT aud .* is not a URL:/,
  ],
  [
    'the ODS code requesting_organization_ODS_Code',
    (c) => (c['requesting_organization'].identifier[0].value = 'requesting_organization_ODS_Code'),
    /JWT requesting_organization\.identifier\[0\]\.value "requesting_organization_ODS_Code" is not an ODS code \(it looks like a placeholder/,
  ],
  [
    'an ODS code with spaces',
    (c) => (c['requesting_organization'].identifier[0].value = 'A1 1111'),
    /is not an ODS code: send the requesting organisation's ODS code/,
  ],
  [
    'a device identifier system that is not a URL',
    (c) => (c['requesting_device'].identifier[0].system = 'GPConnectTestSystem'),
    /JWT requesting_device\.identifier\[0\]\.system "GPConnectTestSystem" is not a URL: an identifier system is a URI/,
  ],
];

describe.each(PROFILES)('JWT placeholders left from Postman examples (%s)', (profile) => {
  it.each(PLACEHOLDERS)('%s is served with an X-Sandbox-Warning', async (_title, change, warning) => {
    sandbox = testSandbox({ profile });
    const claims = structuredClone(buildClaims('read:patient-1'));
    change(claims);
    const res = await sandbox.http
      .get('/Patient/1')
      .set(envelope('read:patient-1'))
      .set('Authorization', `Bearer ${encodeUnsignedJwt(claims)}`);
    expect(res.status).toBe(200);
    expect(res.headers['x-sandbox-warning']).toMatch(warning);
  });

  it('a valid envelope gets no warning', async () => {
    sandbox = testSandbox({ profile });
    const res = await sandbox.http.get('/Patient/1').set(envelope('read:patient-1'));
    expect(res.status).toBe(200);
    expect(res.headers['x-sandbox-warning']).toBeUndefined();
  });
});

describe.each(PROFILES)('Appointment minutesDuration (%s)', (profile) => {
  const twoSlots = [
    { id: 's1-202606020900', start: '2026-06-02T09:00:00+01:00', end: '2026-06-02T09:10:00+01:00' },
    { id: 's1-202606020910', start: '2026-06-02T09:10:00+01:00', end: '2026-06-02T09:20:00+01:00' },
  ];

  it.each(['application/fhir+json', 'application/fhir+xml'])(
    'is the length of the slots on booking, read, retrieve, amend and cancel (%s)',
    async (format) => {
      sandbox = testSandbox({ profile });
      const body =
        profile === 'careconnect'
          ? { ...seedExample(), slot: twoSlots.map((s) => ({ reference: `Slot/${s.id}` })) }
          : gpcBooking({ slots: twoSlots });
      const booked = await sandbox.http
        .post('/Appointment')
        .set(envelope('create:appointment-1'))
        .set('Content-Type', format)
        .set('Accept', 'application/fhir+json')
        .send(format.endsWith('xml') ? toFhirXml(body) : JSON.stringify(body));
      expect(booked.status).toBe(201);
      const appointment = fhirBody(booked);
      expect(appointment.minutesDuration).toBe(20);

      const read = await sandbox.http
        .get(`/Appointment/${appointment.id}`)
        .set(envelope('read:appointment-1'));
      expect(fhirBody(read).minutesDuration).toBe(20);
      const retrieved = await sandbox.http
        .get('/Patient/1/Appointment?start=ge2026-06-01&start=le2026-06-10')
        .set(envelope('search:patient_appointments-1'));
      expect(entries(retrieved, 'Appointment').map((a) => a.minutesDuration)).toEqual([20]);

      // A PUT may leave it out, as other provider-filled elements.
      const { minutesDuration: _m, ...withoutDuration } = appointment;
      const amended = await putAppointment(
        sandbox,
        appointment.id,
        { ...withoutDuration, comment: 'Call first' },
        'update:appointment-1',
      );
      expect({ status: amended.status, text: amended.text.slice(0, 300) }).toMatchObject({ status: 200 });
      expect(fhirBody(amended).minutesDuration).toBe(20);
      const cancelled = await putAppointment(
        sandbox,
        appointment.id,
        asCancel(fhirBody(amended)),
        'cancel:appointment-1',
      );
      expect(fhirBody(cancelled).minutesDuration).toBe(20);
    },
  );

  it('is 10 for one slot, and a PUT that changes it is refused naming it', async () => {
    sandbox = testSandbox({ profile });
    const appointment = await bookS1(sandbox, profile);
    expect(appointment.minutesDuration).toBe(10);
    const res = await putAppointment(
      sandbox,
      appointment.id,
      { ...appointment, minutesDuration: 15 },
      'update:appointment-1',
    );
    expect(expectOutcome(res, 422, 'INVALID_RESOURCE')).toMatch(
      /^minutesDuration changed \(was 10, now 15\)/,
    );
  });
});
