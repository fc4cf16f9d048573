/** StructureDefinition and system URLs used on the wire (digest §1–§2). */
export const PROFILE_URL = {
  organization: 'https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Organization-1',
  location: 'https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Location-1',
  practitioner: 'https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Practitioner-1',
  patient: 'https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Patient-1',
  schedule: 'https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-Schedule-1',
  slot: 'https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-Slot-1',
  searchsetBundle: 'https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-Searchset-Bundle-1',
} as const;

export const SYSTEM = {
  nhsNumber: 'https://fhir.nhs.uk/Id/nhs-number',
  odsCode: 'https://fhir.nhs.uk/Id/ods-organization-code',
  sdsUserId: 'https://fhir.nhs.uk/Id/sds-user-id',
  sdsRoleProfileId: 'https://fhir.nhs.uk/Id/sds-role-profile-id',
  organisationType: 'https://fhir.nhs.uk/STU3/CodeSystem/GPConnect-OrganisationType-1',
  sdsJobRole: 'https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-SDSJobRoleName-1',
  deliveryChannel: 'https://fhir.nhs.uk/STU3/CodeSystem/GPConnect-DeliveryChannel-2',
} as const;

export const EXTENSION_URL = {
  bookingOrganisation:
    'https://fhir.nhs.uk/STU3/StructureDefinition/Extension-GPConnect-BookingOrganisation-1',
  deliveryChannel: 'https://fhir.nhs.uk/STU3/StructureDefinition/Extension-GPConnect-DeliveryChannel-2',
  practitionerRole: 'https://fhir.nhs.uk/STU3/StructureDefinition/Extension-GPConnect-PractitionerRole-1',
  cancellationReason:
    'https://fhir.nhs.uk/STU3/StructureDefinition/Extension-GPConnect-AppointmentCancellationReason-1',
} as const;
