import { describe, expect, it } from 'vitest';
import { OPERATIONS } from '../fhir/operations.js';
import { type FaultRule, parseRule, parseScenario } from './rule.js';

/**
 * A step that acts on some interactions only (`emptyBundle` on searches, `steal` on bookings) is
 * refused when its rule is armed if `when` can match none of them, naming the condition that rules
 * it out; the searches are read from the operations table. Before, `emptyBundle` on
 * `POST /Appointment` was armed and answered the booking 200 with an empty searchset.
 */

const BOOK = { method: 'POST', path: '/Appointment' };
const SLOTS = { method: 'GET', path: '/Slot' };

describe('a step that cannot act on what the rule matches is refused when armed', () => {
  const refused: Array<[string, Partial<FaultRule>, string, string]> = [
    [
      'emptyBundle on a POST',
      { when: { method: 'POST' }, emptyBundle: true },
      'when.method',
      'emptyBundle answers searches, which are GET requests',
    ],
    [
      'emptyBundle on a PUT',
      { when: { method: 'put' }, emptyBundle: true },
      'when.method',
      'emptyBundle answers searches, which are GET requests',
    ],
    [
      'emptyBundle on the booking path',
      { when: { path: '/Appointment' }, emptyBundle: true },
      'when.path',
      'emptyBundle answers searches; /Appointment is POST /Appointment (book an appointment)',
    ],
    [
      'emptyBundle on an appointment',
      { when: { path: '/Appointment/*' }, emptyBundle: true },
      'when.path',
      'emptyBundle answers searches; /Appointment/* is GET /Appointment/{id} (read an appointment) or PUT /Appointment/{id} (amend an appointment or cancel an appointment)',
    ],
    [
      'emptyBundle on a path no interaction has',
      { when: { path: '/Foo' }, emptyBundle: true },
      'when.path',
      'emptyBundle answers searches; no interaction of this provider has the path /Foo',
    ],
    [
      'emptyBundle on the create interaction',
      { when: { interaction: 'rest:create:appointment-1' }, emptyBundle: true },
      'when.interaction',
      'emptyBundle answers searches (rest:search:patient-1, rest:search:organization-1, rest:search:practitioner-1, rest:search:slot-1, rest:search:patient_appointments-1); rest:create:appointment-1 is not one',
    ],
    [
      'emptyBundle on a read by URN',
      {
        when: { interaction: 'urn:nhs:names:services:gpconnect:fhir:rest:read:patient-1' },
        emptyBundle: true,
      },
      'when.interaction',
      'urn:nhs:names:services:gpconnect:fhir:rest:read:patient-1 is not one',
    ],
    [
      'emptyBundle on a search interaction at another path',
      {
        when: { interaction: 'search:slot-1', path: '/Patient' },
        emptyBundle: true,
      },
      'when',
      "emptyBundle answers searches; no interaction of this provider has when's path and interaction together",
    ],
    [
      'emptyBundle on GET of the booking path',
      { when: { method: 'GET', path: '/Patient/*' }, emptyBundle: true },
      'when.path',
      '/Patient/* is GET /Patient/{id} (read a patient) or POST /Patient/$gpc.registerpatient (register a patient)',
    ],
    [
      'emptyBundle on a search read with POST',
      { when: { method: 'POST', interaction: 'search:slot-1' }, emptyBundle: true },
      'when.method',
      'emptyBundle answers searches, which are GET requests',
    ],
    [
      'steal on a slot search',
      { when: SLOTS, steal: true },
      'when.method',
      'steal acts on bookings, which are POST requests',
    ],
    [
      'steal on an amend',
      { when: { interaction: 'rest:update:appointment-1' }, steal: true },
      'when.interaction',
      'steal acts on bookings (rest:create:appointment-1); rest:update:appointment-1 is not one',
    ],
    [
      'steal on a register',
      { when: { method: 'POST', path: '/Patient/*' }, steal: true },
      'when.path',
      'steal acts on bookings; /Patient/* is',
    ],
  ];
  it.each(refused)('%s', (_title, rule, field, message) => {
    const parsed = parseRule({ name: 'r', ...rule });
    expect(parsed).toHaveProperty('problems');
    if (!('problems' in parsed)) return;
    expect(parsed.problems).toEqual([{ field, message: expect.stringContaining(message) }]);
    expect(parsed.message).toContain(`rule "r": ${field}: `);
  });

  it('names the file, the rule and the field in a scenario', () => {
    const parsed = parseScenario('scenarios/x.json', {
      description: 'd',
      rules: [
        { name: 'ok', when: SLOTS, emptyBundle: true },
        { name: 'eb', when: BOOK, emptyBundle: true },
      ],
    });
    expect(parsed).toMatchObject({
      problems: [{ rule: 'rules[1] "eb"', field: 'when.method' }],
      message:
        'scenarios/x.json: rules[1] "eb": when.method: emptyBundle answers searches, which are GET requests',
    });
  });

  const searches = OPERATIONS.filter((o) => o.interaction.startsWith('rest:search:'));
  it('finds the searches in the operations table', () => {
    expect(searches.map((o) => o.key)).toEqual([
      'patient.search',
      'organization.search',
      'practitioner.search',
      'slot.search',
      'appointment.retrieve',
    ]);
  });

  it.each(searches.map((o) => [o.key, o] as const))(
    'arms emptyBundle on %s however when names it',
    (_key, o) => {
      const path = o.path.replace(/\{[^}]+\}/g, '*');
      for (const when of [
        { method: o.method },
        { path },
        { interaction: o.interaction },
        { method: o.method, path, interaction: `urn:nhs:names:services:gpconnect:fhir:${o.interaction}` },
      ]) {
        expect(parseRule({ name: 'eb', when, emptyBundle: true }), JSON.stringify(when)).toHaveProperty(
          'rule',
        );
      }
    },
  );

  it.each([
    ['steal on a booking', { when: BOOK, steal: true }],
    ['steal on the create interaction', { when: { interaction: 'create:appointment-1' }, steal: true }],
    ['steal with no when', { steal: true }],
    ['emptyBundle with no when', { emptyBundle: true }],
    ['emptyBundle with only a header condition', { when: { header: { 'x-run': 'a' } }, emptyBundle: true }],
    [
      'emptyBundle on a patient search by NHS number',
      { when: { path: '/Patient', nhsNumber: '9434765919' }, emptyBundle: true },
    ],
    [
      'error on a path no interaction has',
      { when: { method: 'DELETE', path: '/Foo' }, error: { code: 'BAD_REQUEST' } },
    ],
    [
      'drop on an interaction this provider does not serve',
      { when: { interaction: 'rest:search:healthcareservice-1' }, drop: 'reset' },
    ],
    ['delay on a booking', { when: BOOK, delay: { fixed: 1 } }],
  ] as Array<[string, Partial<FaultRule>]>)('arms %s', (_title, rule) => {
    expect(parseRule({ name: 'r', ...rule })).toHaveProperty('rule');
  });
});
