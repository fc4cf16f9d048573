// issue 14 item 7: the CapabilityStatement is derived from the operations table, so every
// interaction, search parameter, include and compartment it lists answers (2xx, never 400/404/405),
// in both profiles. A parameter added to the statement without an example here fails the test.
import { afterEach, describe, expect, it } from 'vitest';
import { fromFhirXml } from '../../src/fhir/xml.js';
import type { ProfileName } from '../helpers/appointments.js';
import { bookS1, s1Slot } from '../helpers/appointments.js';
import { gpcBooking, seedExample } from '../helpers/bodies.js';
import { fhirBody, type Loose } from '../helpers/outcome.js';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

const PROFILES: ProfileName[] = ['careconnect', 'gpconnect-1.2.7'];

let sandbox: TestSandbox;
afterEach(async () => {
  await sandbox?.close();
});

/** A seeded id of each resource type (the appointment is booked by the test). */
const IDS: Record<string, string> = {
  Patient: '1',
  Organization: 'o1',
  Practitioner: 'p1',
  Location: 'l1',
  Appointment: '1',
};

/** A valid value of each listed search parameter, per resource type (sandbox clock 2026-06-01). */
// biome-ignore format: one row per parameter
const EXAMPLES: Record<string, Record<string, string[]>> = {
  Patient: { identifier: ['https://fhir.nhs.uk/Id/nhs-number|9996323056'] },
  Organization: { identifier: ['https://fhir.nhs.uk/Id/ods-organization-code|Y75110'] },
  Practitioner: { identifier: ['https://fhir.nhs.uk/Id/sds-user-id|G83251809'] },
  Slot: {
    start: ['ge2026-06-02'],
    end: ['le2026-06-03'],
    status: ['free'],
    searchFilter: ['https://fhir.nhs.uk/STU3/CodeSystem/GPConnect-OrganisationType-1|urgent-care', 'https://fhir.nhs.uk/Id/ods-organization-code|A11111'],
  },
  // The Patient compartment's search (GET /Patient/{id}/Appointment).
  'Patient/Appointment': { start: ['ge2026-06-01', 'le2026-06-30'] },
};

const query = (pairs: Array<[string, string]>) =>
  pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');

function searchQuery(key: string, params: Array<{ name: string }>, includes: string[] = []): string {
  const pairs: Array<[string, string]> = [];
  for (const { name } of params) {
    const values = EXAMPLES[key]?.[name];
    if (!values) throw new Error(`no example value for ${key} search parameter ${name}: add one to EXAMPLES`);
    for (const v of values) pairs.push([name, v]);
  }
  for (const include of includes)
    pairs.push([include === 'Slot:schedule' ? '_include' : '_include:recurse', include]);
  return query(pairs);
}

describe.each(PROFILES)('every interaction the CapabilityStatement lists answers (%s)', (profile) => {
  it('serves each resource interaction, search parameter, include and compartment search', async () => {
    sandbox = testSandbox({ profile });
    const booked = await bookS1(sandbox, profile);
    const statement = fhirBody(await sandbox.http.get('/metadata').set(envelope('read:metadata-1')));
    const rest = statement.rest[0];
    const tried: string[] = [];
    const answer = async (label: string, res: { status: number; text: string }) => {
      tried.push(label);
      expect({ label, status: res.status, text: res.text.slice(0, 300) }).toMatchObject({
        status: expect.toSatisfy((s: number) => s >= 200 && s < 300),
      });
    };

    for (const resource of rest.resource as Loose[]) {
      const type: string = resource.type;
      const lower = type.toLowerCase();
      for (const { code } of resource.interaction as Array<{ code: string }>) {
        const label = `${type} ${code}`;
        switch (code) {
          case 'read':
            await answer(
              label,
              await sandbox.http.get(`/${type}/${IDS[type]}`).set(envelope(`read:${lower}-1`)),
            );
            break;
          case 'vread':
            await answer(
              label,
              await sandbox.http.get(`/${type}/${IDS[type]}/_history/1`).set(envelope(`read:${lower}-1`)),
            );
            break;
          case 'search-type':
            await answer(
              label,
              await sandbox.http
                .get(`/${type}?${searchQuery(type, resource.searchParam ?? [], resource.searchInclude)}`)
                .set(envelope(`search:${lower}-1`)),
            );
            break;
          case 'create': {
            const slot = s1Slot('2026-06-02', '10:00');
            const other = profile === 'careconnect' ? seedExample(slot.id) : gpcBooking({ slots: [slot] });
            await answer(
              label,
              await sandbox.http
                .post(`/${type}`)
                .set(envelope(`create:${lower}-1`))
                .set('Content-Type', 'application/fhir+json')
                .send(JSON.stringify(other)),
            );
            break;
          }
          case 'update':
            await answer(
              label,
              await sandbox.http
                .put(`/${type}/${IDS[type]}`)
                .set(envelope(`update:${lower}-1`))
                .set('Content-Type', 'application/fhir+json')
                .send(JSON.stringify({ ...booked, description: 'Amended' })),
            );
            break;
          default:
            throw new Error(`the test does not know how to call interaction ${code} on ${type}`);
        }
      }
      // Search parameters are only listed where search-type is.
      if (resource.searchParam)
        expect(resource.interaction.map((i: { code: string }) => i.code)).toContain('search-type');
    }

    for (const compartment of (rest.compartment ?? []) as string[]) {
      expect(compartment).toBe('http://hl7.org/fhir/CompartmentDefinition/patient');
      await answer(
        'Patient compartment: Appointment',
        await sandbox.http
          .get(`/Patient/1/Appointment?${searchQuery('Patient/Appointment', [{ name: 'start' }])}`)
          .set(envelope('search:patient_appointments-1')),
      );
    }
    expect(tried).toEqual(
      expect.arrayContaining([
        'Patient read',
        'Slot search-type',
        'Appointment vread',
        'Appointment update',
        'Patient compartment: Appointment',
      ]),
    );
  });

  it('lists no Appointment search-type (GET /Appointment?start= is not served), in JSON and XML alike', async () => {
    sandbox = testSandbox({ profile });
    const statement = fhirBody(await sandbox.http.get('/metadata').set(envelope('read:metadata-1')));
    const xml = await sandbox.http
      .get('/metadata')
      .set(envelope('read:metadata-1'))
      .set('Accept', 'application/fhir+xml');
    expect(xml.status).toBe(200);
    expect(fromFhirXml(xml.text)).toEqual(statement);
    const appointment = statement.rest[0].resource.find((r: Loose) => r.type === 'Appointment');
    expect(appointment.interaction.map((i: { code: string }) => i.code)).not.toContain('search-type');
    expect(appointment.searchParam).toBeUndefined();
  });
});
