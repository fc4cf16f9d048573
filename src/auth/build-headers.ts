/**
 * A fresh, valid GP Connect envelope for one interaction: what `gpc-sandbox headers INTERACTION`
 * prints and what `sandbox.headers(interaction)` returns. The claims follow digest §5.3.
 */
import { randomUUID } from 'node:crypto';
import type { Interaction } from './interactions.js';
import { INTERACTIONS, resolveInteraction } from './interactions.js';

export const DEFAULT_PROVIDER_ASID = '918999198993';
export const DEFAULT_CONSUMER_ASID = '200000000359';
export const DEFAULT_AUDIENCE = 'http://127.0.0.1:4000';

export interface BuildEnvelopeOptions {
  /** The consumer's ASID, sent as Ssp-From. */
  asid?: string;
  /** Sent as Ssp-To. */
  providerAsid?: string;
  /** The JWT aud claim: the provider's service root URL. */
  aud?: string;
  /** Real time in epoch seconds; the token is valid for 300 s from then. */
  nowSeconds?: number;
}

function toInteraction(interaction: string | Interaction): Interaction {
  if (typeof interaction !== 'string') return interaction;
  const found = resolveInteraction(interaction);
  if (!found) {
    const known = INTERACTIONS.map((i) => i.name.replace(/^rest:/, '')).join(', ');
    throw new Error(
      `Unknown interaction ${JSON.stringify(interaction)}: expected one of ${known}, or a full URN`,
    );
  }
  return found;
}

/** The JWT claims of a valid request for `interaction` (a URN or short name). */
export function buildClaims(
  interaction: string | Interaction,
  opts: BuildEnvelopeOptions = {},
): Record<string, unknown> {
  const { scope } = toInteraction(interaction);
  const iat = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  const practitionerId = '1';
  return {
    iss: 'https://consumer.gpconnect-sandbox.example/',
    sub: practitionerId,
    aud: opts.aud ?? DEFAULT_AUDIENCE,
    exp: iat + 300,
    iat,
    reason_for_request: 'directcare',
    requested_scope: scope,
    requesting_device: {
      resourceType: 'Device',
      identifier: [
        { system: 'https://consumer.gpconnect-sandbox.example/Id/device', value: 'gpc-sandbox-cli' },
      ],
      model: 'gpconnect-sandbox',
      version: '1.0.0',
    },
    requesting_organization: {
      resourceType: 'Organization',
      name: 'Sandbox Consumer Surgery',
      identifier: [{ system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'A11111' }],
    },
    requesting_practitioner: {
      resourceType: 'Practitioner',
      id: practitionerId,
      name: [{ family: 'Sandbox', given: ['Alex'], prefix: ['Dr'] }],
      identifier: [
        { system: 'https://fhir.nhs.uk/Id/sds-user-id', value: '111222333444' },
        { system: 'https://fhir.nhs.uk/Id/sds-role-profile-id', value: '444555666777' },
      ],
    },
  };
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** An unsigned GP Connect JWT: base64url header and claims, empty signature (ends with '.'). */
export function encodeUnsignedJwt(claims: unknown): string {
  return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`;
}

/** Headers for one valid request: Ssp-*, Authorization, Accept and (POST/PUT) Content-Type. */
export function buildEnvelope(
  interaction: string | Interaction,
  opts: BuildEnvelopeOptions = {},
): Record<string, string> {
  const target = toInteraction(interaction);
  const headers: Record<string, string> = {
    'Ssp-TraceID': randomUUID(),
    'Ssp-From': opts.asid ?? DEFAULT_CONSUMER_ASID,
    'Ssp-To': opts.providerAsid ?? DEFAULT_PROVIDER_ASID,
    'Ssp-InteractionID': target.id,
    Authorization: `Bearer ${encodeUnsignedJwt(buildClaims(target, opts))}`,
    Accept: 'application/fhir+json',
  };
  if (target.method !== 'GET') headers['Content-Type'] = 'application/fhir+json';
  return headers;
}

function curlQuote(value: string): string {
  const escaped = value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t');
  return `"${escaped}"`;
}

/** `header = "Name: value"` lines for `curl -K -`, one per header, newline-terminated. */
export function formatCurlConfig(headers: Record<string, string>): string {
  return Object.entries(headers)
    .map(([name, value]) => `header = ${curlQuote(`${name}: ${value}`)}\n`)
    .join('');
}
