/** Request bodies as consumers send them; ids refer to the bundled seed (seed/README.md). */

export const CC_PROFILE = 'https://fhir.hl7.org.uk/STU3/StructureDefinition/CareConnect-Appointment-1';
export const GPC_PROFILE = 'https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-Appointment-1';
export const BOOKING_ORG_URL =
  'https://fhir.nhs.uk/STU3/StructureDefinition/Extension-GPConnect-BookingOrganisation-1';

/** The seed page's example payload, with its references pointed at a seeded patient and slot. */
export function seedExample(slotId = 's1-202606020900', patientId = '1'): Record<string, unknown> {
  return {
    resourceType: 'Appointment',
    id: '123123',
    meta: { profile: [CC_PROFILE] },
    status: 'booked',
    description: 'Free text description.',
    slot: [{ reference: `Slot/${slotId}`, display: 'Slot 1' }],
    created: '2017-10-09T13:48:41+01:00',
    comment: 'Free text comment.',
    participant: [
      { actor: { reference: `Patient/${patientId}`, display: 'Mr. Mike Smith' }, status: 'booked' },
    ],
  };
}

/** A minimal valid GP Connect 1.2.7 booking (digest §2.1) for s1 (Location l1, Practitioner p1). */
export function gpcBooking(
  options: {
    slots?: Array<{ id: string; start: string; end: string }>;
    patientId?: string;
    locationId?: string;
    orgType?: string;
  } = {},
): Record<string, unknown> {
  const slots = options.slots ?? [
    { id: 's1-202606020900', start: '2026-06-02T09:00:00+01:00', end: '2026-06-02T09:10:00+01:00' },
  ];
  return {
    resourceType: 'Appointment',
    meta: { profile: [GPC_PROFILE] },
    contained: [
      {
        resourceType: 'Organization',
        id: '1',
        meta: { profile: ['https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Organization-1'] },
        identifier: [{ system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'A11111' }],
        ...(options.orgType
          ? {
              type: [
                {
                  coding: [
                    {
                      system: 'https://fhir.nhs.uk/STU3/CodeSystem/GPConnect-OrganisationType-1',
                      code: options.orgType,
                    },
                  ],
                },
              ],
            }
          : {}),
        name: 'Example 111 Service',
        telecom: [{ system: 'phone', value: '0300 000 0000' }],
      },
    ],
    extension: [{ url: BOOKING_ORG_URL, valueReference: { reference: '#1' } }],
    status: 'booked',
    description: 'Sore throat, 3 days',
    comment: 'Prefers morning call',
    start: slots[0]!.start,
    end: slots[slots.length - 1]!.end,
    slot: slots.map((s) => ({ reference: `Slot/${s.id}` })),
    created: '2026-06-01T07:55:00+01:00',
    participant: [
      { actor: { reference: `Patient/${options.patientId ?? '1'}` }, status: 'accepted' },
      { actor: { reference: `Location/${options.locationId ?? 'l1'}` }, status: 'accepted' },
    ],
  };
}
