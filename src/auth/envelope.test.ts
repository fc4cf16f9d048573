import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { buildClaims, buildEnvelope, encodeUnsignedJwt } from './build-headers.js';
import type { EnvelopeCode, HeaderValue, TraceIdMemory } from './envelope.js';
import { checkEnvelope } from './envelope.js';
import type { Interaction } from './interactions.js';
import { INTERACTIONS, resolveInteraction, SCOPES } from './interactions.js';

const NOW = 1_750_000_000;
const PROVIDER = '918999198993';
const URN = 'urn:nhs:names:services:gpconnect:fhir:';

interface Case {
  title: string;
  /** Default: read a location, GET /Location/1. */
  interaction?: string;
  method?: string;
  path?: string;
  /** Lower-case header overrides; undefined removes the header. */
  headers?: Record<string, HeaderValue>;
  /** Claim overrides by path (`requesting_device.identifier[0].value`); undefined removes the claim. */
  claims?: Record<string, unknown>;
  /** Replaces the whole bearer token. */
  token?: string;
}

interface Refused extends Case {
  field: string;
  diagnostics: RegExp | string;
  code?: EnvelopeCode;
  /** How many problems in all (default 1); the first is the one asserted. */
  count?: number;
}

interface Accepted extends Case {
  warning?: RegExp;
}

function interactionNamed(name: string): Interaction {
  const found = resolveInteraction(name);
  if (!found) throw new Error(`no interaction ${name}`);
  return found;
}

function samplePath(i: Interaction): string {
  return i.path.replace('{id}', '1');
}

/** Sets (or with undefined, deletes) `a.b[0].c` in a JSON object. */
function patch(root: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(/\.|\[(\d+)\]/).filter((k) => k !== undefined && k !== '');
  let node = root as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = keys.at(-1) as string;
  if (value === undefined) delete node[last];
  else node[last] = value;
}

function b64(text: string): string {
  return Buffer.from(text).toString('base64url');
}

function validClaims(interaction = 'rest:read:location-1'): Record<string, unknown> {
  return buildClaims(interaction, { nowSeconds: NOW });
}

function run(c: Case, seenTraceIds?: TraceIdMemory) {
  const i = interactionNamed(c.interaction ?? 'rest:read:location-1');
  const headers: Record<string, HeaderValue> = Object.fromEntries(
    Object.entries(buildEnvelope(i, { nowSeconds: NOW })).map(([k, v]) => [k.toLowerCase(), v]),
  );
  const claims = buildClaims(i, { nowSeconds: NOW });
  for (const [path, value] of Object.entries(c.claims ?? {})) patch(claims, path, value);
  headers.authorization = `Bearer ${c.token ?? encodeUnsignedJwt(claims)}`;
  for (const [name, value] of Object.entries(c.headers ?? {})) {
    if (value === undefined) delete headers[name];
    else headers[name] = value;
  }
  return checkEnvelope(
    { method: c.method ?? i.method, path: c.path ?? samplePath(i), headers },
    { providerAsid: PROVIDER, nowSeconds: NOW, ...(seenTraceIds && { seenTraceIds }) },
  );
}

// biome-ignore format: one row per rule
const refusedHeaders: Refused[] = [
  { title: 'Ssp-TraceID missing', headers: { 'ssp-traceid': undefined }, field: 'Ssp-TraceID', diagnostics: /missing: expected a new UUID/ },
  { title: 'Ssp-TraceID blank', headers: { 'ssp-traceid': '  ' }, field: 'Ssp-TraceID', diagnostics: /blank/ },
  { title: 'Ssp-TraceID sent twice', headers: { 'ssp-traceid': ['a', 'b'] }, field: 'Ssp-TraceID', diagnostics: /sent 2 times/ },
  { title: 'Ssp-From missing', headers: { 'ssp-from': undefined }, field: 'Ssp-From', diagnostics: /Ssp-From is missing: expected the consumer system's ASID/ },
  { title: 'Ssp-From left as a placeholder', headers: { 'ssp-from': '{{consumerASID}}' }, field: 'Ssp-From', diagnostics: 'Ssp-From "{{consumerASID}}" looks like a placeholder left from an example: expected the consumer system\'s ASID (12 digits)' },
  { title: 'Ssp-From as <ASID>', headers: { 'ssp-from': '<ASID>' }, field: 'Ssp-From', diagnostics: /placeholder/ },
  { title: 'Ssp-To missing', headers: { 'ssp-to': undefined }, field: 'Ssp-To', diagnostics: "Ssp-To is missing: expected this provider's ASID 918999198993" },
  { title: "Ssp-To another provider's ASID", headers: { 'ssp-to': '200000000115' }, field: 'Ssp-To', diagnostics: 'Ssp-To "200000000115" must be this provider\'s ASID 918999198993' },
  { title: 'Ssp-From and Ssp-To swapped', headers: { 'ssp-from': PROVIDER, 'ssp-to': '200000000359' }, field: 'Ssp-To', diagnostics: /look swapped/ },
  { title: 'Ssp-To with trailing whitespace', headers: { 'ssp-to': `${PROVIDER} ` }, field: 'Ssp-To', diagnostics: 'Ssp-To "918999198993 " has trailing whitespace: send exactly "918999198993"' },
  { title: 'Ssp-To as a placeholder', headers: { 'ssp-to': 'REPLACE_WITH_PROVIDER_ASID' }, field: 'Ssp-To', diagnostics: /placeholder/ },
  { title: 'Ssp-InteractionID missing', headers: { 'ssp-interactionid': undefined }, field: 'Ssp-InteractionID', diagnostics: `Ssp-InteractionID is missing: expected ${URN}rest:read:location-1 for GET /Location/{id}` },
  { title: 'Ssp-InteractionID unknown', headers: { 'ssp-interactionid': `${URN}rest:read:schedule-1` }, field: 'Ssp-InteractionID', diagnostics: /is not a GP Connect interaction: expected .*rest:read:location-1 for GET \/Location\/\{id\}$/ },
  { title: 'Ssp-InteractionID in short form', headers: { 'ssp-interactionid': 'rest:read:location-1' }, field: 'Ssp-InteractionID', diagnostics: `Ssp-InteractionID "rest:read:location-1" is not a full interaction URN: send ${URN}rest:read:location-1` },
  { title: 'Ssp-InteractionID in the wrong case', headers: { 'ssp-interactionid': `${URN}rest:read:Location-1` }, field: 'Ssp-InteractionID', diagnostics: /did you mean urn:nhs:names:services:gpconnect:fhir:rest:read:location-1\?/ },
  { title: 'Ssp-InteractionID without its version', headers: { 'ssp-interactionid': `${URN}rest:read:location` }, field: 'Ssp-InteractionID', diagnostics: /did you mean .*location-1\?/ },
  { title: 'Ssp-InteractionID with trailing whitespace', headers: { 'ssp-interactionid': `${URN}rest:read:location-1\t` }, field: 'Ssp-InteractionID', diagnostics: /has trailing whitespace: send exactly/ },
  { title: 'Ssp-InteractionID for another resource (PTS: read practitioner on Location)', headers: { 'ssp-interactionid': `${URN}rest:read:practitioner-1` }, field: 'Ssp-InteractionID', diagnostics: `Ssp-InteractionID ${URN}rest:read:practitioner-1 does not match GET /Location/{id}; expected ${URN}rest:read:location-1 (read a location)` },
  { title: 'Ssp-InteractionID for book on a read', interaction: 'rest:read:appointment-1', headers: { 'ssp-interactionid': `${URN}rest:create:appointment-1` }, field: 'Ssp-InteractionID', diagnostics: /create:appointment-1 does not match GET \/Appointment\/\{id\}; expected .*rest:read:appointment-1/ },
  { title: 'Ssp-InteractionID for read on PUT /Appointment/{id}', interaction: 'rest:update:appointment-1', headers: { 'ssp-interactionid': `${URN}rest:read:appointment-1` }, field: 'Ssp-InteractionID', diagnostics: /expected .*rest:update:appointment-1 \(amend an appointment\) or .*rest:cancel:appointment-1 \(cancel an appointment\)$/ },
  { title: 'a path no interaction serves', method: 'GET', path: '/Schedule/1', field: 'Ssp-InteractionID', diagnostics: /no GP Connect interaction serves GET \/Schedule\/1; .*location-1 is for GET \/Location\/\{id\}/ },
  { title: 'Authorization missing', headers: { authorization: undefined }, field: 'Authorization', diagnostics: /Authorization is missing: expected 'Bearer '/ },
  { title: 'Authorization with the Basic scheme', headers: { authorization: 'Basic dXNlcjpwYXNz' }, field: 'Authorization', diagnostics: /must be 'Bearer <token>'.*got the "Basic" scheme/ },
  { title: 'Authorization left as Bearer <token>', headers: { authorization: 'Bearer <token>' }, field: 'Authorization', diagnostics: `Authorization "Bearer <token>" looks like a placeholder left from an example: expected 'Bearer ' and an unsigned GP Connect JWT` },
  { title: 'Authorization left as Bearer {{jwt}}', headers: { authorization: 'Bearer {{jwt}}' }, field: 'Authorization', diagnostics: /placeholder/ },
  { title: 'Authorization holding a bare token', headers: { authorization: encodeUnsignedJwt(validClaims()) }, field: 'Authorization', diagnostics: /without the Bearer scheme/ },
];

// biome-ignore format: one row per rule
const refusedToken: Refused[] = [
  { title: 'a token without its trailing dot', token: encodeUnsignedJwt(validClaims()).slice(0, -1), field: 'Authorization', diagnostics: /3 dot-separated parts.*got 2: an unsigned token still ends with '\.'/ },
  { title: 'a token of one part', token: 'abc', field: 'Authorization', diagnostics: /got 1$/ },
  { title: 'a payload padded with =', token: `${b64('{"alg":"none","typ":"JWT"}')}.${Buffer.from('{"a":1}').toString('base64')}.`, field: 'jwt.payload', diagnostics: /padded with '='/ },
  { title: 'a payload in base64 rather than base64url', token: `${b64('{"alg":"none","typ":"JWT"}')}.${Buffer.from('{"iss":"?>?>?"}').toString('base64')}.`, field: 'jwt.payload', diagnostics: /contains '\+' or '\/'/ },
  { title: 'a header that is not base64url', token: `e*J.${b64('{}')}.`, field: 'jwt.header', diagnostics: /outside base64url/ },
  { title: 'an empty header', token: `.${b64('{}')}.`, field: 'jwt.header', diagnostics: /empty/ },
  { title: 'a header that is not JSON', token: `${b64('{alg:none')}.${b64('{}')}.`, field: 'jwt.header', diagnostics: /JWT header must be base64url-encoded JSON/ },
  { title: 'a payload that is not JSON', token: `${b64('{"alg":"none","typ":"JWT"}')}.${b64('{iss:1')}.`, field: 'jwt.payload', diagnostics: /JWT payload must be base64url-encoded JSON/ },
  { title: 'a payload that is a JSON array', token: `${b64('{"alg":"none","typ":"JWT"}')}.${b64('[1]')}.`, field: 'jwt.payload', diagnostics: /an object holding the claims/ },
  { title: 'a signed token (HS256)', token: jwt.sign(validClaims(), 'secret'), field: 'jwt.alg', diagnostics: `GP Connect tokens are unsigned: alg must be none with an empty signature (token ends with '.'); got alg "HS256" and a signature` },
  { title: 'alg none with a signature', token: `${encodeUnsignedJwt(validClaims())}c2ln`, field: 'jwt.signature', diagnostics: /GP Connect tokens are unsigned.*got alg "none" and a signature/ },
  { title: 'alg None', token: `${b64('{"alg":"None","typ":"JWT"}')}.${b64(JSON.stringify(validClaims()))}.`, field: 'jwt.alg', diagnostics: /got alg "None"$/ },
  { title: 'typ missing', token: `${b64('{"alg":"none"}')}.${b64(JSON.stringify(validClaims()))}.`, field: 'jwt.typ', diagnostics: 'JWT header typ must be "JWT", got nothing' },
  { title: 'an unexpected header key', token: `${b64('{"alg":"none","typ":"JWT","kid":"1"}')}.${b64(JSON.stringify(validClaims()))}.`, field: 'jwt.header', diagnostics: /unexpected "kid"/ },
];

// biome-ignore format: one row per rule
const refusedClaims: Refused[] = [
  { title: 'iss missing', claims: { iss: undefined }, field: 'jwt.iss', diagnostics: "JWT iss is missing: expected the consumer system's URL" },
  { title: 'iss not a string', claims: { iss: 7 }, field: 'jwt.iss', diagnostics: /must be the consumer system's URL, got number 7/ },
  { title: 'sub missing', claims: { sub: undefined }, field: 'jwt.sub', diagnostics: /sub is missing/ },
  { title: 'sub not the practitioner id', claims: { sub: '2' }, field: 'jwt.sub', diagnostics: 'JWT sub "2" must equal requesting_practitioner.id "1"' },
  { title: 'aud missing', claims: { aud: undefined }, field: 'jwt.aud', diagnostics: /aud is missing: expected the provider's service root URL/ },
  { title: 'aud null (the spec example)', claims: { aud: null }, field: 'jwt.aud', diagnostics: /aud is null/ },
  { title: 'aud an array', claims: { aud: ['http://127.0.0.1:4000'] }, field: 'jwt.aud', diagnostics: /got an array/ },
  { title: 'exp missing', claims: { exp: undefined }, field: 'jwt.exp', diagnostics: /exp is missing: expected an integer/ },
  { title: 'exp a string', claims: { exp: String(NOW + 300) }, field: 'jwt.exp', diagnostics: /exp must be an integer .*got a string "1750000300"/ },
  { title: 'iat a fraction', claims: { iat: NOW + 0.5 }, field: 'jwt.iat', diagnostics: /iat must be an integer/ },
  { title: 'iat missing', claims: { iat: undefined }, field: 'jwt.iat', diagnostics: /iat is missing/ },
  { title: 'exp - iat of 299 s', claims: { exp: NOW + 299 }, field: 'jwt.exp', diagnostics: 'JWT exp - iat must be 300 seconds, got 299' },
  { title: 'exp - iat of 301 s', claims: { exp: NOW + 301 }, field: 'jwt.exp', diagnostics: 'JWT exp - iat must be 300 seconds, got 301' },
  { title: 'exp - iat of -1 s (also expired)', claims: { exp: NOW - 1 }, field: 'jwt.exp', diagnostics: 'JWT exp - iat must be 300 seconds, got -1', count: 2 },
  { title: 'an expired token', claims: { iat: NOW - 300, exp: NOW }, field: 'jwt.exp', diagnostics: 'JWT exp 1750000000 (2025-06-15T15:06:40.000Z) has passed: the token expired 0 s ago (real time, not the sandbox clock); make a new token for every request' },
  { title: 'a consumer clock 600 s slow', claims: { iat: NOW - 600, exp: NOW - 300 }, field: 'jwt.exp', diagnostics: /expired 300 s ago/ },
  { title: 'reason_for_request other than directcare', claims: { reason_for_request: 'secondaryuses' }, field: 'jwt.reason_for_request', diagnostics: 'JWT reason_for_request must be "directcare", got "secondaryuses"' },
  { title: 'reason_for_request missing', claims: { reason_for_request: undefined }, field: 'jwt.reason_for_request', diagnostics: /missing: expected "directcare"/ },
  { title: 'requested_scope unknown', claims: { requested_scope: 'patient/*.*' }, field: 'jwt.requested_scope', diagnostics: 'JWT requested_scope must be one of patient/*.read, patient/*.write, organization/*.read, organization/*.write; got "patient/*.*"' },
  { title: 'requested_scope read to book', interaction: 'rest:create:appointment-1', claims: { requested_scope: 'patient/*.read' }, field: 'jwt.requested_scope', diagnostics: 'JWT requested_scope patient/*.read cannot be used for POST /Appointment (book an appointment): use patient/*.write' },
  { title: 'requesting_device missing', claims: { requesting_device: undefined }, field: 'jwt.requesting_device', diagnostics: 'JWT requesting_device is missing: expected a FHIR STU3 Device resource' },
  { title: 'requesting_device a string', claims: { requesting_device: 'Device/1' }, field: 'jwt.requesting_device', diagnostics: /must be a FHIR STU3 Device resource \(a JSON object\), got a string/ },
  { title: 'requesting_device with an unknown element (PTS)', claims: { 'requesting_device.foo': 'bar' }, code: 'INVALID_RESOURCE', field: 'jwt.requesting_device', diagnostics: 'JWT requesting_device is not a valid STU3 Device: unknown element "foo"' },
  { title: 'requesting_device of the wrong resourceType (PTS)', claims: { 'requesting_device.resourceType': 'Patient' }, code: 'INVALID_RESOURCE', field: 'jwt.requesting_device.resourceType', diagnostics: 'JWT requesting_device.resourceType must be "Device", got "Patient"' },
  { title: 'requesting_device without resourceType', claims: { 'requesting_device.resourceType': undefined }, code: 'INVALID_RESOURCE', field: 'jwt.requesting_device.resourceType', diagnostics: /got nothing$/ },
  { title: 'requesting_device without identifier', claims: { 'requesting_device.identifier': undefined }, field: 'jwt.requesting_device.identifier', diagnostics: /identifier is missing: expected an array of Identifier/ },
  { title: 'requesting_device identifier an object', claims: { 'requesting_device.identifier': { system: 'a', value: 'b' } }, field: 'jwt.requesting_device.identifier', diagnostics: /must be an array of Identifier, got an object/ },
  { title: 'requesting_device identifier without a value', claims: { 'requesting_device.identifier[0].value': undefined }, field: 'jwt.requesting_device.identifier[0].value', diagnostics: /missing/ },
  { title: 'requesting_device identifier without a system', claims: { 'requesting_device.identifier[0].system': null }, field: 'jwt.requesting_device.identifier[0].system', diagnostics: /null/ },
  { title: 'requesting_device without model', claims: { 'requesting_device.model': undefined }, field: 'jwt.requesting_device.model', diagnostics: /model is missing/ },
  { title: 'requesting_device version as an array (R4 form)', claims: { 'requesting_device.version': ['1.0'] }, field: 'jwt.requesting_device.version', diagnostics: /a string in STU3\), got an array/ },
  { title: 'requesting_organization of the wrong resourceType', claims: { 'requesting_organization.resourceType': 'Organisation' }, code: 'INVALID_RESOURCE', field: 'jwt.requesting_organization.resourceType', diagnostics: /must be "Organization", got "Organisation"/ },
  { title: 'requesting_organization with an unknown element', claims: { 'requesting_organization.odsCode': 'A11111' }, code: 'INVALID_RESOURCE', field: 'jwt.requesting_organization', diagnostics: /unknown element "odsCode"/ },
  { title: 'requesting_organization without name', claims: { 'requesting_organization.name': undefined }, field: 'jwt.requesting_organization.name', diagnostics: /name is missing/ },
  { title: 'requesting_organization without identifier', claims: { 'requesting_organization.identifier': undefined }, field: 'jwt.requesting_organization.identifier', diagnostics: /missing: expected an array of Identifier including https:\/\/fhir.nhs.uk\/Id\/ods-organization-code/ },
  { title: 'requesting_organization under the DSTU2 ODS system', claims: { 'requesting_organization.identifier[0].system': 'http://fhir.nhs.net/Id/ods-organization-code' }, field: 'jwt.requesting_organization.identifier', diagnostics: /has no identifier with system https:\/\/fhir.nhs.uk\/Id\/ods-organization-code.*found "http:\/\/fhir.nhs.net\/Id\/ods-organization-code" \(that is the DSTU2 system/ },
  { title: 'requesting_organization ODS code left as [ODS]', claims: { 'requesting_organization.identifier[0].value': '[ODS]' }, field: 'jwt.requesting_organization.identifier[0].value', diagnostics: `JWT requesting_organization.identifier[0].value "[ODS]" looks like a placeholder left from an example: expected the requesting organisation's ODS code` },
  { title: 'requesting_practitioner of the wrong resourceType', claims: { 'requesting_practitioner.resourceType': 'PractitionerRole' }, code: 'INVALID_RESOURCE', field: 'jwt.requesting_practitioner.resourceType', diagnostics: /must be "Practitioner"/ },
  { title: 'requesting_practitioner with the DSTU2 practitionerRole', claims: { 'requesting_practitioner.practitionerRole': [] }, code: 'INVALID_RESOURCE', field: 'jwt.requesting_practitioner', diagnostics: /unknown element "practitionerRole"/ },
  { title: 'requesting_practitioner without id', claims: { 'requesting_practitioner.id': undefined }, field: 'jwt.requesting_practitioner.id', diagnostics: /id is missing: expected the practitioner's id, equal to sub/ },
  { title: 'requesting_practitioner without name', claims: { 'requesting_practitioner.name': undefined }, field: 'jwt.requesting_practitioner.name', diagnostics: /missing: expected an array of HumanName/ },
  { title: 'requesting_practitioner name an object', claims: { 'requesting_practitioner.name': { family: 'Smith' } }, field: 'jwt.requesting_practitioner.name', diagnostics: /got an object/ },
  { title: 'requesting_practitioner family as an array (DSTU2)', claims: { 'requesting_practitioner.name[0].family': ['Smith'] }, field: 'jwt.requesting_practitioner.name[0].family', diagnostics: /must be a string in STU3 \(an array is the DSTU2 form\)/ },
  { title: 'requesting_practitioner without family', claims: { 'requesting_practitioner.name[0].family': undefined }, field: 'jwt.requesting_practitioner.name[0].family', diagnostics: /family is missing/ },
  { title: 'requesting_practitioner SDS id under the DSTU2 system', claims: { 'requesting_practitioner.identifier[0].system': 'http://fhir.nhs.net/sds-user-id' }, field: 'jwt.requesting_practitioner.identifier', diagnostics: /no identifier with system https:\/\/fhir.nhs.uk\/Id\/sds-user-id.*found "http:\/\/fhir.nhs.net\/sds-user-id".*DSTU2/ },
  { title: 'requesting_practitioner with only a role profile id', claims: { 'requesting_practitioner.identifier': [{ system: 'https://fhir.nhs.uk/Id/sds-role-profile-id', value: '1' }] }, field: 'jwt.requesting_practitioner.identifier', diagnostics: /the SDS user id must be sent under https:\/\/fhir.nhs.uk\/Id\/sds-user-id/ },
  { title: 'requesting_practitioner SDS id without a value', claims: { 'requesting_practitioner.identifier[0].value': '' }, field: 'jwt.requesting_practitioner.identifier[0].value', diagnostics: /blank: expected the user's SDS user id \(UNK when they have no smartcard\)/ },
  { title: 'requesting_practitioner SDS id left as XXXX', claims: { 'requesting_practitioner.identifier[0].value': 'XXXXXXXX' }, field: 'jwt.requesting_practitioner.identifier[0].value', diagnostics: /placeholder/ },
  { title: 'requested_record present', claims: { requested_record: { resourceType: 'Patient' } }, field: 'jwt.requested_record', diagnostics: 'JWT requested_record must be absent: the claim was removed in GP Connect 1.1.0' },
];

// Every operation refuses every scope but its own (digest §5.3 "when to use" table).
const wrongScopes: Refused[] = INTERACTIONS.flatMap((i) =>
  SCOPES.filter((s) => s !== i.scope).map((s) => ({
    title: `requested_scope ${s} for ${i.operation}`,
    interaction: i.name,
    claims: { requested_scope: s },
    field: 'jwt.requested_scope',
    diagnostics: `JWT requested_scope ${s} cannot be used for ${i.method} ${i.path} (${i.operation}): use ${i.scope}`,
  })),
);

describe('checkEnvelope refuses', () => {
  it.each([...refusedHeaders, ...refusedToken, ...refusedClaims, ...wrongScopes].map((c) => [c.title, c]))(
    '%s',
    (_, c) => {
      const { problems } = run(c);
      const code = c.code ?? 'BAD_REQUEST';
      expect(problems[0]).toMatchObject({ code, status: code === 'BAD_REQUEST' ? 400 : 422, field: c.field });
      if (typeof c.diagnostics === 'string') expect(problems[0]?.diagnostics).toBe(c.diagnostics);
      else expect(problems[0]?.diagnostics).toMatch(c.diagnostics);
      expect(problems).toHaveLength(c.count ?? 1);
    },
  );
});

// biome-ignore format: one row per rule
const accepted: Accepted[] = [
  { title: 'the envelope buildEnvelope makes' },
  { title: 'an iat 200 s in the future (PTS, #640)', claims: { iat: NOW + 200, exp: NOW + 500 } },
  { title: 'an SDS user id of UNK', claims: { 'requesting_practitioner.identifier[0].value': 'UNK' } },
  { title: 'a practitioner without role profile or local ids', claims: { 'requesting_practitioner.identifier': [{ system: 'https://fhir.nhs.uk/Id/sds-user-id', value: 'UNK' }] } },
  { title: 'the SDS user id after other identifiers', claims: { 'requesting_practitioner.identifier': [{ system: 'https://consumer.example/user', value: 'u1' }, { system: 'https://fhir.nhs.uk/Id/sds-user-id', value: 'G13579135' }] } },
  { title: 'a primitive extension beside an element', claims: { 'requesting_device._model': { id: 'm' } } },
  { title: 'an aud that is an IPv6 URL', claims: { aud: 'http://[::1]:4000/A20047/STU3/1/gpconnect' } },
  { title: 'a lower-case Bearer scheme', headers: { authorization: `bearer ${encodeUnsignedJwt(validClaims())}` } },
  { title: 'a token made by jsonwebtoken with alg none', token: jwt.sign(validClaims(), '', { algorithm: 'none' }) },
  { title: 'amend on PUT /Appointment/{id}', interaction: 'rest:update:appointment-1' },
  { title: 'cancel on PUT /Appointment/{id}', interaction: 'rest:cancel:appointment-1' },
  { title: 'register a patient', interaction: 'gpc.registerpatient-1' },
  { title: 'a query string on the path', interaction: 'rest:search:slot-1', path: '/Slot?start=ge2025-06-16&end=le2025-06-20&status=free' },
  { title: 'Ssp-TraceID that is not a UUID, with a warning', headers: { 'ssp-traceid': 'trace-1' }, warning: /Ssp-TraceID "trace-1" is not a UUID/ },
  { title: 'Ssp-From that is not 12 digits, with a warning', headers: { 'ssp-from': '12345' }, warning: /Ssp-From "12345" is not an ASID: ASIDs are 12 digits/ },
  { title: "Ssp-From equal to the provider's ASID, with a warning", headers: { 'ssp-from': PROVIDER }, warning: /is this provider's ASID/ },
];

describe('checkEnvelope accepts', () => {
  it.each(accepted.map((c) => [c.title, c]))('%s', (_, c) => {
    const result = run(c);
    expect(result.problems).toEqual([]);
    if (c.warning) {
      expect(result.warnings).toHaveLength(1);
      expect(result.warnings[0]).toMatch(c.warning);
    } else {
      expect(result.warnings).toEqual([]);
    }
  });
});

describe('checkEnvelope', () => {
  it('tells amend from cancel on PUT /Appointment/{id} by Ssp-InteractionID', () => {
    expect(run({ interaction: 'rest:update:appointment-1', title: '' }).interaction?.name).toBe(
      'rest:update:appointment-1',
    );
    expect(run({ interaction: 'rest:cancel:appointment-1', title: '' }).interaction?.name).toBe(
      'rest:cancel:appointment-1',
    );
  });

  it('infers the interaction from the method and path when the header is missing or wrong', () => {
    const missing = run({ title: '', headers: { 'ssp-interactionid': undefined } });
    expect(missing.interaction?.name).toBe('rest:read:location-1');
    const wrong = run({ title: '', headers: { 'ssp-interactionid': `${URN}rest:read:practitioner-1` } });
    expect(wrong.interaction?.name).toBe('rest:read:location-1');
  });

  it('leaves the interaction open on PUT /Appointment/{id} without Ssp-InteractionID', () => {
    const result = run({
      title: '',
      interaction: 'rest:update:appointment-1',
      headers: { 'ssp-interactionid': undefined },
    });
    expect(result.interaction).toBeUndefined();
  });

  it('warns, without refusing, when an Ssp-TraceID is used again', () => {
    const seen = new Set<string>();
    const headers = { 'ssp-traceid': '5bb5dc2e-8f5a-4d43-8a3f-5d2a7e0c1b11' };
    expect(run({ title: '', headers }, seen).warnings).toEqual([]);
    const again = run({ title: '', headers }, seen);
    expect(again.problems).toEqual([]);
    expect(again.warnings).toEqual([
      'Ssp-TraceID "5bb5dc2e-8f5a-4d43-8a3f-5d2a7e0c1b11" was already used by an earlier request: send a new UUID for every request',
    ]);
  });

  it('lists every problem, headers first, then the token, then its claims', () => {
    const claims = validClaims();
    claims.exp = NOW - 10;
    claims.requested_record = {};
    const token = `${b64('{"alg":"HS256","typ":"JWT"}')}.${b64(JSON.stringify(claims))}.c2ln`;
    const { problems } = run({ title: '', headers: { 'ssp-to': undefined, 'ssp-from': '{{asid}}' }, token });
    expect(problems.map((p) => p.field)).toEqual([
      'Ssp-From',
      'Ssp-To',
      'jwt.alg',
      'jwt.exp',
      'jwt.exp',
      'jwt.requested_record',
    ]);
  });

  it('puts a 422 resource problem after the 400s before it in claim order', () => {
    const { problems } = run({ title: '', claims: { iss: undefined, 'requesting_device.foo': 1 } });
    expect(problems.map((p) => [p.field, p.status])).toEqual([
      ['jwt.iss', 400],
      ['jwt.requesting_device', 422],
    ]);
  });

  it('checks the scope against both amend and cancel when PUT has no Ssp-InteractionID', () => {
    const { problems } = run({
      title: '',
      interaction: 'rest:update:appointment-1',
      headers: { 'ssp-interactionid': undefined },
      claims: { requested_scope: 'patient/*.read' },
    });
    expect(problems.map((p) => p.field)).toEqual(['Ssp-InteractionID', 'jwt.requested_scope']);
    expect(problems[1]?.diagnostics).toBe(
      'JWT requested_scope patient/*.read cannot be used for PUT /Appointment/{id} ' +
        '(amend an appointment or cancel an appointment): use patient/*.write',
    );
  });

  it('names an exp too large for a date without failing to format it', () => {
    const { problems } = run({ title: '', claims: { iat: -1e300, exp: -1e300 } });
    expect(problems.map((p) => p.diagnostics)).toEqual([
      'JWT exp - iat must be 300 seconds, got 0',
      expect.stringMatching(/^JWT exp -1e\+300 has passed: the token expired/),
    ]);
  });

  it('does not take a token that happens to contain XXXX for a placeholder', () => {
    // "]|q" encodes to "XXxx" when it starts on a 3-byte boundary of the payload.
    const token = ['', 'a', 'aa']
      .map((pad) => encodeUnsignedJwt({ ...validClaims(), note: `${pad}]|q` }))
      .find((t) => /xxxx/i.test(t));
    expect(token).toBeDefined();
    expect(run({ title: '', token }).problems).toEqual([]);
  });

  it('checks exp against the real time it is given', () => {
    const result = run({ title: '', claims: { iat: NOW - 299, exp: NOW + 1 } });
    expect(result.problems).toEqual([]);
  });
});
