import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FhirXmlError, fromFhirXml, MAX_XML_DEPTH, toFhirXml } from './xml.js';

const SD = 'https://fhir.nhs.uk/STU3/StructureDefinition';
const CS = 'https://fhir.nhs.uk/STU3/CodeSystem';
const BOOKING_ORG = `${SD}/Extension-GPConnect-BookingOrganisation-1`;
const DELIVERY_CHANNEL = `${SD}/Extension-GPConnect-DeliveryChannel-2`;
const PRACTITIONER_ROLE = `${SD}/Extension-GPConnect-PractitionerRole-1`;
const CANCELLATION_REASON = `${SD}/Extension-GPConnect-AppointmentCancellationReason-1`;

const practitionerRole = {
  url: PRACTITIONER_ROLE,
  valueCodeableConcept: {
    coding: [
      {
        system: `${CS}/CareConnect-SDSJobRoleName-1`,
        code: 'R0260',
        display: 'General Medical Practitioner',
      },
    ],
  },
};

// Digest §2.1: the minimal valid booking request.
const bookingRequest = {
  resourceType: 'Appointment',
  meta: { profile: [`${SD}/GPConnect-Appointment-1`] },
  contained: [
    {
      resourceType: 'Organization',
      id: '1',
      meta: { profile: [`${SD}/CareConnect-GPC-Organization-1`] },
      identifier: [{ system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'A11111' }],
      type: [{ coding: [{ system: `${CS}/GPConnect-OrganisationType-1`, code: 'urgent-care' }] }],
      name: 'Example 111 Service',
      telecom: [{ system: 'phone', value: '0300 000 0000' }],
    },
  ],
  extension: [{ url: BOOKING_ORG, valueReference: { reference: '#1' } }],
  status: 'booked',
  description: 'Sore throat, 3 days',
  comment: 'Prefers morning call',
  start: '2026-03-02T09:00:00+00:00',
  end: '2026-03-02T09:20:00+00:00',
  slot: [{ reference: 'Slot/1001' }, { reference: 'Slot/1002' }],
  created: '2026-02-27T14:05:00+00:00',
  participant: [
    { actor: { reference: 'Patient/2' }, status: 'accepted' },
    { actor: { reference: 'Location/17' }, status: 'accepted' },
    { actor: { reference: 'Practitioner/3' }, status: 'accepted' },
  ],
};

// Digest §2.3: the booked Appointment as returned, plus the cancellation reason of §3.2 and the
// STU3-only elements that R4 renamed or dropped (reason, serviceCategory).
const bookedAppointment = {
  ...bookingRequest,
  id: '42',
  meta: { versionId: '1772201100000', profile: [`${SD}/GPConnect-Appointment-1`] },
  extension: [
    { url: BOOKING_ORG, valueReference: { reference: '#1' } },
    practitionerRole,
    { url: DELIVERY_CHANNEL, valueCode: 'In-person' },
    { url: CANCELLATION_REASON, valueString: 'Patient feels better' },
  ],
  status: 'cancelled',
  serviceCategory: { text: 'Morning surgery' },
  serviceType: [{ text: 'Urgent appointment' }],
  reason: [{ coding: [{ system: 'http://snomed.info/sct', code: '267102003', display: 'Sore throat' }] }],
  priority: 0,
  minutesDuration: 20,
  participant: [
    {
      id: 'p1',
      type: [{ coding: [{ system: 'http://hl7.org/fhir/v3/ParticipationType', code: 'SBJ' }] }],
      actor: { reference: 'Patient/2', display: 'Mr Edward Jones' },
      required: 'required',
      status: 'accepted',
    },
    { actor: { reference: 'Location/17' }, status: 'accepted' },
    { actor: { reference: 'Practitioner/3' }, status: 'accepted' },
  ],
};

const slot = {
  resourceType: 'Slot',
  id: '1001',
  meta: { versionId: '1', profile: [`${SD}/GPConnect-Slot-1`] },
  extension: [{ url: DELIVERY_CHANNEL, valueCode: 'In-person' }],
  serviceCategory: { text: 'Morning surgery' },
  serviceType: [{ text: 'Urgent appointment' }],
  schedule: { reference: 'Schedule/14' },
  status: 'free',
  start: '2026-03-02T09:00:00+00:00',
  end: '2026-03-02T09:10:00+00:00',
  overbooked: false,
};

const schedule = {
  resourceType: 'Schedule',
  id: '14',
  meta: { versionId: '1', profile: [`${SD}/GPConnect-Schedule-1`] },
  extension: [practitionerRole],
  active: true,
  serviceCategory: { text: 'Morning surgery' },
  actor: [{ reference: 'Location/17' }, { reference: 'Practitioner/3' }],
  planningHorizon: { start: '2026-03-02T08:00:00+00:00', end: '2026-03-02T12:00:00+00:00' },
  comment: 'Dr Smith, main site',
};

const patient = {
  resourceType: 'Patient',
  id: '2',
  meta: { versionId: '1521806400000', profile: [`${SD}/CareConnect-GPC-Patient-1`] },
  text: {
    status: 'generated',
    div: '<div xmlns="http://www.w3.org/1999/xhtml"><p>Edward <b>JONES</b> &amp; family<br/>born 1970</p></div>',
  },
  extension: [
    {
      url: `${SD}/Extension-CareConnect-GPC-RegistrationDetails-1`,
      extension: [
        { url: 'registrationPeriod', valuePeriod: { start: '1998-04-01T00:00:00+01:00' } },
        {
          url: 'registrationType',
          valueCodeableConcept: { coding: [{ system: `${CS}/CareConnect-RegistrationType-1`, code: 'R' }] },
        },
        { url: 'preferredBranchSurgery', valueReference: { reference: 'Location/17' } },
      ],
    },
  ],
  identifier: [
    {
      extension: [
        {
          url: `${SD}/Extension-CareConnect-GPC-NHSNumberVerificationStatus-1`,
          valueCodeableConcept: {
            coding: [{ system: `${CS}/CareConnect-NHSNumberVerificationStatus-1`, code: '01' }],
          },
        },
      ],
      system: 'https://fhir.nhs.uk/Id/nhs-number',
      value: '9990000018',
    },
  ],
  active: true,
  name: [
    {
      use: 'official',
      text: 'Edward Ó Jones 🙂',
      family: 'Jones',
      given: ['Edward', 'Arthur'],
      _given: [null, { extension: [{ url: 'http://example.org/nickname', valueBoolean: true }] }],
      prefix: ['Mr'],
    },
  ],
  telecom: [{ system: 'phone', value: '01632 960587', use: 'home' }],
  gender: 'male',
  birthDate: '1970-05-04',
  _birthDate: {
    id: 'b1',
    extension: [
      {
        url: 'http://hl7.org/fhir/StructureDefinition/patient-birthTime',
        valueDateTime: '1970-05-04T07:30:00+01:00',
      },
    ],
  },
  address: [{ use: 'home', line: ['1 Trevelyan Square', 'Boar Lane'], city: 'Leeds', postalCode: 'LS1 6AE' }],
  managingOrganization: { reference: 'Organization/7' },
};

const practitioner = {
  resourceType: 'Practitioner',
  id: '3',
  meta: { versionId: '1', profile: [`${SD}/CareConnect-GPC-Practitioner-1`] },
  identifier: [{ system: 'https://fhir.nhs.uk/Id/sds-user-id', value: 'G13579135' }],
  name: [{ use: 'usual', family: 'Smith', given: ['Jane'], prefix: ['Dr'] }],
  gender: 'female',
};

const organization = {
  resourceType: 'Organization',
  id: '7',
  meta: { versionId: '1', profile: [`${SD}/CareConnect-GPC-Organization-1`] },
  identifier: [{ system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'A20047' }],
  name: 'Trevelyan Square Surgery',
  telecom: [{ system: 'phone', value: '01632 960000', use: 'work' }],
  address: [{ line: ['1 Trevelyan Square'], city: 'Leeds', postalCode: 'LS1 6AE' }],
};

const location = {
  resourceType: 'Location',
  id: '17',
  meta: { versionId: '1', profile: [`${SD}/CareConnect-GPC-Location-1`] },
  identifier: [{ system: 'https://fhir.nhs.uk/Id/ods-site-code', value: 'Z26556' }],
  status: 'active',
  name: 'Trevelyan Square Surgery, Main Site',
  telecom: [{ system: 'phone', value: '01632 960000' }],
  address: { line: ['1 Trevelyan Square'], city: 'Leeds', postalCode: 'LS1 6AE' },
  position: { longitude: -1.5491, latitude: 53.7965 },
  managingOrganization: { reference: 'Organization/7' },
};

const searchset = {
  resourceType: 'Bundle',
  id: 'c5d3a1f8-3b3f-4c6a-9a5b-2f1e0f6d9a11',
  meta: { profile: [`${SD}/GPConnect-Searchset-Bundle-1`], lastUpdated: '2026-02-27T14:05:00+00:00' },
  type: 'searchset',
  total: 5,
  link: [{ relation: 'self', url: 'http://127.0.0.1:4000/Slot?status=free&_include=Slot:schedule' }],
  entry: [slot, schedule, practitioner, location, organization].map((resource) => ({
    resource,
    search: { mode: resource.resourceType === 'Slot' ? 'match' : 'include' },
  })),
};

const capabilityStatement = {
  resourceType: 'CapabilityStatement',
  version: '1.2.7',
  name: 'gpconnect-sandbox (gpconnect-1.2.7)',
  status: 'active',
  date: '2026-02-27',
  publisher: 'gpconnect-sandbox',
  description: 'A mock GP Connect provider; not a clinical system.',
  kind: 'instance',
  software: { name: 'gpconnect-sandbox', version: '0.1.0' },
  fhirVersion: '3.0.1',
  acceptUnknown: 'both',
  format: ['application/fhir+json', 'application/fhir+xml'],
  profile: [{ reference: `${SD}/GPConnect-Appointment-1` }, { reference: `${SD}/GPConnect-Slot-1` }],
  rest: [
    {
      mode: 'server',
      security: { cors: true },
      resource: [
        {
          type: 'Patient',
          interaction: [{ code: 'read' }, { code: 'search-type' }],
          searchParam: [{ name: 'identifier', type: 'token' }],
        },
        {
          type: 'Appointment',
          interaction: [{ code: 'read' }, { code: 'create' }, { code: 'update' }, { code: 'search-type' }],
          updateCreate: false,
          searchParam: [{ name: 'start', type: 'date' }],
        },
        {
          type: 'Slot',
          interaction: [{ code: 'search-type' }],
          searchInclude: ['Slot:schedule', 'Schedule:actor:Practitioner', 'Schedule:actor:Location'],
          searchParam: [
            { name: 'start', type: 'date' },
            { name: 'searchFilter', type: 'token' },
          ],
        },
      ],
      operation: [
        { name: 'gpc.registerpatient', definition: { reference: 'OperationDefinition/gpc.registerpatient' } },
      ],
    },
  ],
};

// Digest §4.1.
const operationOutcome = {
  resourceType: 'OperationOutcome',
  meta: { profile: [`${SD}/GPConnect-OperationOutcome-1`] },
  issue: [
    {
      severity: 'error',
      code: 'duplicate',
      details: {
        coding: [
          {
            system: `${CS}/Spine-ErrorOrWarningCode-1`,
            code: 'DUPLICATE_REJECTED',
            display: 'Create would lead to creation of a duplicate resource',
          },
        ],
      },
      diagnostics: 'Slot/1001 is no longer free',
    },
  ],
};

const appointmentSearchset = {
  resourceType: 'Bundle',
  meta: { profile: [`${SD}/GPConnect-Searchset-Bundle-1`] },
  type: 'searchset',
  entry: [
    { resource: bookedAppointment },
    {
      resource: {
        ...bookedAppointment,
        id: '43',
        status: 'booked',
        extension: bookedAppointment.extension.slice(0, 3),
      },
    },
  ],
};

function xmlError(xml: string): FhirXmlError {
  try {
    fromFhirXml(xml);
  } catch (err) {
    if (err instanceof FhirXmlError) return err;
    throw err;
  }
  throw new Error('expected fromFhirXml to throw');
}

const appointmentXml = (inner: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Appointment xmlns="http://hl7.org/fhir">\n${inner}\n</Appointment>`;

describe('toFhirXml / fromFhirXml round trip', () => {
  it.each([
    ['the §2.1 booking request', bookingRequest],
    ['a booked and cancelled Appointment with STU3-only reason and serviceCategory', bookedAppointment],
    ['a Slot with serviceCategory, serviceType and a deliveryChannel extension', slot],
    ['a Schedule with serviceCategory and a practitionerRole extension', schedule],
    ['a Patient with narrative, nested extensions and extensions on primitives', patient],
    ['a Practitioner', practitioner],
    ['an Organization', organization],
    ['a Location with a decimal position', location],
    ['a slot searchset Bundle with included resources', searchset],
    ['an appointment searchset Bundle', appointmentSearchset],
    ['a CapabilityStatement', capabilityStatement],
    ['an OperationOutcome', operationOutcome],
  ])('JSON → XML → JSON keeps %s unchanged', (_name, resource) => {
    const xml = toFhirXml(resource);
    expect(fromFhirXml(xml)).toEqual(resource);
    // The XML is canonical: serialising the parsed form again gives the same text.
    expect(toFhirXml(fromFhirXml(xml))).toBe(xml);
  });

  it('keeps a 50-entry searchset Bundle unchanged', () => {
    const big = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: Array.from({ length: 50 }, (_, i) => ({ resource: { ...slot, id: String(2000 + i) } })),
    };
    expect(fromFhirXml(toFhirXml(big))).toEqual(big);
  });

  it('keeps any string value, including markup, quotes, newlines and astral characters', () => {
    // Characters XML 1.0 can carry, weighted towards the ones that need escaping.
    const char = fc.oneof(
      fc.constantFrom('<', '>', '&', '"', "'", '\n', '\r', '\t', ' ', ']]>', 'é', '🙂', '\u2028'),
      fc.integer({ min: 0x20, max: 0xd7ff }).map((c) => String.fromCharCode(c)),
      fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
    );
    const xmlChar = fc.array(char, { maxLength: 40 }).map((chars) => chars.join(''));
    fc.assert(
      fc.property(xmlChar, xmlChar, (description, comment) => {
        const resource = { resourceType: 'Appointment', status: 'booked', description, comment };
        return isDeepStrictEqual(fromFhirXml(toFhirXml(resource)), resource);
      }),
    );
  });
});

describe('toFhirXml', () => {
  it('starts with the XML declaration and puts the resource in the FHIR namespace', () => {
    expect(toFhirXml(organization)).toMatch(
      /^<\?xml version="1\.0" encoding="UTF-8"\?><Organization xmlns="http:\/\/hl7\.org\/fhir"><id value="7"\/>/,
    );
  });

  it('writes elements in StructureDefinition order, whatever the JSON key order', () => {
    const shuffled = Object.fromEntries(Object.entries(bookedAppointment).reverse());
    const xml = toFhirXml(shuffled);
    const order = [
      '<id ',
      '<meta>',
      '<contained>',
      '<extension ',
      '<status ',
      '<serviceCategory>',
      '<serviceType>',
      '<reason>',
      '<priority ',
      '<description ',
      '<start ',
      '<end ',
      '<minutesDuration ',
      '<slot>',
      '<created ',
      '<comment ',
      '<participant ',
    ];
    const positions = order.map((tag) => xml.indexOf(tag));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it('wraps contained and entry resources in their type element and writes value[x] by type', () => {
    const xml = toFhirXml(bookedAppointment);
    expect(xml).toContain('<contained><Organization><id value="1"/>');
    expect(xml).toContain(
      `<extension url="${BOOKING_ORG}"><valueReference><reference value="#1"/></valueReference></extension>`,
    );
    expect(xml).toContain(`<extension url="${DELIVERY_CHANNEL}"><valueCode value="In-person"/></extension>`);
    expect(xml).toContain(
      `<extension url="${CANCELLATION_REASON}"><valueString value="Patient feels better"/></extension>`,
    );
    expect(xml).toContain('<participant id="p1"><type>');
    expect(toFhirXml(searchset)).toContain('<entry><resource><Slot><id value="1001"/>');
  });

  it('carries a primitive’s id and extensions from `_x` and keeps repeats aligned', () => {
    const xml = toFhirXml(patient);
    expect(xml).toContain('<birthDate id="b1" value="1970-05-04"><extension url=');
    expect(xml).toContain(
      '<given value="Edward"/><given value="Arthur"><extension url="http://example.org/nickname"><valueBoolean value="true"/></extension></given>',
    );
  });

  it('escapes markup and keeps line breaks as character references', () => {
    const xml = toFhirXml({ resourceType: 'Appointment', comment: 'a < b & "c"\r\n\td' });
    expect(xml).toContain('<comment value="a &lt; b &amp; &quot;c&quot;&#xD;&#xA;&#x9;d"/>');
  });

  it('writes the narrative as XHTML and adds the namespace when the JSON div lacks it', () => {
    const xml = toFhirXml({
      resourceType: 'Organization',
      text: { status: 'generated', div: '<div><p>Hi</p></div>' },
    });
    expect(xml).toContain(
      '<text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml"><p>Hi</p></div></text>',
    );
  });

  it.each([
    [
      'an unknown property',
      { resourceType: 'Appointment', reasonCode: [] },
      /unknown property reasonCode in Appointment/,
    ],
    [
      'an unknown property beside a primitive in a nested resource',
      {
        resourceType: 'Bundle',
        entry: [{ resource: { resourceType: 'Patient', _gender: { colour: 'x' } } }],
      },
      /unknown property colour in Bundle.entry\[0\].resource\(Patient\)._gender/,
    ],
    ['a missing resourceType', { status: 'booked' }, /no resourceType/],
    ['an unsupported resource type', { resourceType: 'Observation' }, /Observation is not supported/],
    [
      'a number where FHIR has a string',
      { resourceType: 'Appointment', description: 5 },
      /Appointment.description must be a string/,
    ],
    [
      'a fraction where FHIR has an integer',
      { resourceType: 'Appointment', minutesDuration: 1.5 },
      /minutesDuration must be a number/,
    ],
    [
      'a single value where FHIR has a list',
      { resourceType: 'Appointment', slot: { reference: 'Slot/1' } },
      /slot must be an array/,
    ],
    [
      'two value[x] on one extension',
      { resourceType: 'Slot', extension: [{ url: 'u', valueCode: 'a', valueString: 'b' }] },
      /more than one value\[x\]/,
    ],
    ['a control character', { resourceType: 'Appointment', comment: 'bell\u0007' }, /cannot represent/],
    [
      'a narrative that is not XML',
      { resourceType: 'Patient', text: { status: 'generated', div: '<div><p>x</div>' } },
      /not well-formed XHTML/,
    ],
    [
      'an unknown contained resource',
      { resourceType: 'Appointment', contained: [{ resourceType: 'Basic' }] },
      /Basic is not supported/,
    ],
  ])('refuses %s', (_name, resource, message) => {
    expect(() => toFhirXml(resource)).toThrow(message);
    try {
      toFhirXml(resource);
    } catch (err) {
      expect(err).toBeInstanceOf(FhirXmlError);
      expect((err as FhirXmlError).kind).toBe('unserializable');
    }
  });
});

describe('fromFhirXml', () => {
  it('reads a pretty-printed consumer request with comments, xsi attributes and a BOM', () => {
    const xml = `\uFEFF<?xml version="1.0" encoding="utf-8"?>
<!-- booking from the consumer -->
<Appointment xmlns="http://hl7.org/fhir" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
             xsi:schemaLocation="http://hl7.org/fhir ../../schema/appointment.xsd">
  <meta>
    <profile value="https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-Appointment-1"/>
  </meta>
  <contained>
    <Organization>
      <id value="1"/>
      <meta><profile value="https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Organization-1"/></meta>
      <identifier>
        <system value="https://fhir.nhs.uk/Id/ods-organization-code"/>
        <value value="A11111"/>
      </identifier>
      <type><coding><system value="https://fhir.nhs.uk/STU3/CodeSystem/GPConnect-OrganisationType-1"/><code value="urgent-care"/></coding></type>
      <name value="Example 111 Service"/>
      <telecom><system value="phone"/><value value="0300 000 0000"/></telecom>
    </Organization>
  </contained>
  <extension url="https://fhir.nhs.uk/STU3/StructureDefinition/Extension-GPConnect-BookingOrganisation-1">
    <valueReference><reference value="#1"/></valueReference>
  </extension>
  <status value="booked"/>
  <description value="Sore throat, 3 days"/>
  <start value="2026-03-02T09:00:00+00:00"/>
  <end value="2026-03-02T09:20:00+00:00"/>
  <slot><reference value="Slot/1001"/></slot>
  <slot><reference value="Slot/1002"/></slot>
  <created value="2026-02-27T14:05:00+00:00"/>
  <comment value="Prefers morning call"/>
  <participant><actor><reference value="Patient/2"/></actor><status value="accepted"/></participant>
  <participant><actor><reference value="Location/17"/></actor><status value="accepted"/></participant>
  <participant><actor><reference value="Practitioner/3"/></actor><status value="accepted"/></participant>
</Appointment>
`;
    expect(fromFhirXml(xml)).toEqual(bookingRequest);
  });

  it('accepts a namespace prefix in the narrative', () => {
    const xml = `<f:Organization xmlns:f="http://hl7.org/fhir"><f:text><f:status value="generated"/><h:div xmlns:h="http://www.w3.org/1999/xhtml"><h:p>a &lt; b</h:p></h:div></f:text><f:name value="X"/></f:Organization>`;
    expect(fromFhirXml(xml)).toEqual({
      resourceType: 'Organization',
      text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><p>a &lt; b</p></div>' },
      name: 'X',
    });
  });

  // Changed by the narrative mutation-XSS fix: CDATA in a narrative was read as text; txt-1 allows
  // only XHTML elements and text, so it is refused now (outside a narrative it is still text).
  it('refuses CDATA in the narrative', () => {
    const xml = `<f:Organization xmlns:f="http://hl7.org/fhir"><f:text><f:status value="generated"/><h:div xmlns:h="http://www.w3.org/1999/xhtml"><h:p><![CDATA[a < b]]></h:p></h:div></f:text><f:name value="X"/></f:Organization>`;
    expect(() => fromFhirXml(xml)).toThrow(
      /a CDATA section .* is not allowed in a FHIR narrative .*Organization\.text\.div/,
    );
  });

  it('accepts elements out of StructureDefinition order unless strictOrder is set', () => {
    const xml = appointmentXml('<description value="d"/><status value="booked"/>');
    expect(fromFhirXml(xml)).toEqual({ resourceType: 'Appointment', description: 'd', status: 'booked' });
    expect(() => fromFhirXml(xml, { strictOrder: true })).toThrow(
      /<status> in Appointment must come before <description> \(line 3/,
    );
  });

  it('reads booleans and numbers as JSON booleans and numbers', () => {
    const xml = appointmentXml('<priority value="3"/><minutesDuration value="20"/>');
    expect(fromFhirXml(xml)).toEqual({ resourceType: 'Appointment', priority: 3, minutesDuration: 20 });
    expect(fromFhirXml('<Slot xmlns="http://hl7.org/fhir"><overbooked value="true"/></Slot>')).toEqual({
      resourceType: 'Slot',
      overbooked: true,
    });
  });

  it('keeps an empty value attribute so JSON-level validation can reject it', () => {
    const xml = appointmentXml(`<extension url="${CANCELLATION_REASON}"><valueString value=""/></extension>`);
    expect(fromFhirXml(xml)).toEqual({
      resourceType: 'Appointment',
      extension: [{ url: CANCELLATION_REASON, valueString: '' }],
    });
  });

  it.each([
    ['text that is not XML', 'not xml', 'malformed', /XML is not well-formed: .*\(line 1, column/],
    [
      'an unclosed element',
      appointmentXml('<status value="booked">'),
      'malformed',
      /not well-formed: .*\(line 4/,
    ],
    ['an empty body', '', 'malformed', /not well-formed/],
    [
      'a DOCTYPE with an entity expansion bomb',
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><Appointment xmlns="http://hl7.org/fhir"><comment value="&lol2;"/></Appointment>',
      'malformed',
      /DOCTYPE is not allowed/,
    ],
    [
      'a DOCTYPE with an external entity (XXE)',
      '<!DOCTYPE a [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Appointment xmlns="http://hl7.org/fhir"><comment value="&xxe;"/></Appointment>',
      'malformed',
      /DOCTYPE is not allowed/,
    ],
    ['an undeclared entity', appointmentXml('<comment value="&xxe;"/>'), 'malformed', /not well-formed/],
    [
      'a non-UTF-8 encoding declaration',
      '<?xml version="1.0" encoding="ISO-8859-1"?><Slot xmlns="http://hl7.org/fhir"/>',
      'malformed',
      /encoding "ISO-8859-1" is not supported/,
    ],
    [
      'XML 1.1',
      '<?xml version="1.1"?><Slot xmlns="http://hl7.org/fhir"/>',
      'malformed',
      /version "1.1" is not supported/,
    ],
    [
      'nesting deeper than the limit',
      `<Patient xmlns="http://hl7.org/fhir">${'<extension url="u">'.repeat(MAX_XML_DEPTH)}${'</extension>'.repeat(MAX_XML_DEPTH)}</Patient>`,
      'malformed',
      /nested more than 100 deep/,
    ],
    [
      'an unknown element in Appointment',
      appointmentXml('<status value="booked"/><colour value="red"/>'),
      'invalid',
      /unknown element <colour> in Appointment \(line 3/,
    ],
    [
      'an R4 element that STU3 does not have',
      appointmentXml('<reasonCode><text value="x"/></reasonCode>'),
      'invalid',
      /unknown element <reasonCode> in Appointment/,
    ],
    [
      'an unknown element deep inside',
      appointmentXml(
        '<participant><actor><reference value="Patient/2"/><kind value="x"/></actor></participant>',
      ),
      'invalid',
      /unknown element <kind> in Appointment.participant\[0\].actor/,
    ],
    [
      'an element in no namespace',
      '<Appointment><status value="booked"/></Appointment>',
      'invalid',
      /not in the FHIR namespace: expected xmlns="http:\/\/hl7.org\/fhir"/,
    ],
    [
      'a resource type this server does not read',
      '<Observation xmlns="http://hl7.org/fhir"/>',
      'invalid',
      /unsupported resource type Observation/,
    ],
    [
      'an unsupported contained resource',
      appointmentXml('<contained><Basic/></contained>'),
      'invalid',
      /unsupported resource type Basic in Appointment.contained\[0\]/,
    ],
    [
      'two resources in one contained',
      appointmentXml('<contained><Organization/><Location/></contained>'),
      'invalid',
      /holds more than one resource/,
    ],
    [
      'a non-repeating element twice',
      appointmentXml('<status value="booked"/><status value="cancelled"/>'),
      'invalid',
      /<status> appears more than once in Appointment/,
    ],
    [
      'two value[x] in one extension',
      appointmentXml('<extension url="u"><valueCode value="a"/><valueString value="b"/></extension>'),
      'invalid',
      /has both <valueCode> and <valueString>/,
    ],
    [
      'a value that is not a boolean',
      '<Slot xmlns="http://hl7.org/fhir"><overbooked value="yes"/></Slot>',
      'invalid',
      /Slot.overbooked value "yes" is not a valid FHIR boolean/,
    ],
    [
      'a value that is not a number',
      appointmentXml('<minutesDuration value="20 min"/>'),
      'invalid',
      /not a valid FHIR positiveInt/,
    ],
    [
      'a fraction where FHIR has an integer',
      appointmentXml('<priority value="1.5"/>'),
      'invalid',
      /Appointment.priority value "1.5" is not a valid FHIR unsignedInt/,
    ],
    [
      'an unknown element inside a contained resource',
      appointmentXml(
        '<contained><Organization><telecom><system value="phone"/><number value="1"/></telecom></Organization></contained>',
      ),
      'invalid',
      /unknown element <number> in Appointment.contained\[0\]\(Organization\).telecom\[0\]/,
    ],
    [
      'text instead of a value attribute',
      appointmentXml('<status>booked</status>'),
      'invalid',
      /unexpected text "booked" in Appointment.status/,
    ],
    [
      'a primitive without a value',
      appointmentXml('<status/>'),
      'invalid',
      /<status> in Appointment has no value attribute/,
    ],
    [
      'an unknown attribute',
      appointmentXml('<status value="booked" valeu="x"/>'),
      'invalid',
      /unknown attribute valeu on <status>/,
    ],
    [
      'a narrative outside the XHTML namespace',
      '<Patient xmlns="http://hl7.org/fhir"><text><status value="generated"/><div>x</div></text></Patient>',
      'invalid',
      /<div> in Patient.text must be in namespace http:\/\/www.w3.org\/1999\/xhtml/,
    ],
  ])('refuses %s', (_name, xml, kind, message) => {
    const err = xmlError(xml);
    expect(err.kind).toBe(kind);
    expect(err.message).toMatch(message);
  });

  it('reports where the problem is as line and column', () => {
    const err = xmlError(appointmentXml('<status value="booked"/>\n  <colour value="red"/>'));
    expect(err.line).toBe(4);
    expect(err.column).toBeGreaterThan(1);
  });
});
