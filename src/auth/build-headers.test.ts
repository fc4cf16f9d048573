import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import {
  buildClaims,
  buildEnvelope,
  DEFAULT_PROVIDER_ASID,
  encodeUnsignedJwt,
  formatCurlConfig,
} from './build-headers.js';
import { checkEnvelope } from './envelope.js';
import { INTERACTIONS } from './interactions.js';

function lowerCase(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

function claimsOf(headers: Record<string, string>): Record<string, unknown> {
  const token = headers.Authorization?.replace(/^Bearer /, '') ?? '';
  return jwt.decode(token) as Record<string, unknown>;
}

describe('buildEnvelope', () => {
  it.each(INTERACTIONS.map((i) => [i.name, i]))('makes an envelope checkEnvelope accepts for %s', (_, i) => {
    const headers = buildEnvelope(i.id);
    const result = checkEnvelope(
      { method: i.method, path: i.path.replace('{id}', '1'), headers: lowerCase(headers) },
      {
        providerAsid: DEFAULT_PROVIDER_ASID,
        nowSeconds: Math.floor(Date.now() / 1000),
        seenTraceIds: new Set(),
      },
    );
    expect(result).toEqual({ interaction: i, problems: [], warnings: [] });
    expect(headers['Ssp-InteractionID']).toBe(i.id);
    expect(claimsOf(headers).requested_scope).toBe(i.scope);
    expect(headers['Content-Type']).toBe(i.method === 'GET' ? undefined : 'application/fhir+json');
  });

  it('accepts the URN, the name after …:fhir: and the name without rest:', () => {
    for (const name of [
      'urn:nhs:names:services:gpconnect:fhir:rest:create:appointment-1',
      'rest:create:appointment-1',
      'create:appointment-1',
    ]) {
      expect(buildEnvelope(name)['Ssp-InteractionID']).toBe(
        'urn:nhs:names:services:gpconnect:fhir:rest:create:appointment-1',
      );
    }
  });

  it('throws on an unknown interaction, listing the known ones', () => {
    expect(() => buildEnvelope('create:slot-1')).toThrow(
      /Unknown interaction "create:slot-1": expected one of .*create:appointment-1/,
    );
  });

  it('uses the defaults: consumer 200000000359, provider 918999198993, aud http://127.0.0.1:4000', () => {
    const headers = buildEnvelope('read:metadata-1');
    expect(headers).toMatchObject({
      'Ssp-From': '200000000359',
      'Ssp-To': '918999198993',
      Accept: 'application/fhir+json',
    });
    expect(headers['Ssp-TraceID']).toMatch(/^[0-9a-f-]{36}$/);
    expect(claimsOf(headers).aud).toBe('http://127.0.0.1:4000');
  });

  it('takes asid, providerAsid, aud and nowSeconds', () => {
    const headers = buildEnvelope('read:metadata-1', {
      asid: '200000000115',
      providerAsid: '123456789012',
      aud: 'https://provider.example/A20047/STU3/1/gpconnect',
      nowSeconds: 1_000_000,
    });
    expect(headers['Ssp-From']).toBe('200000000115');
    expect(headers['Ssp-To']).toBe('123456789012');
    expect(claimsOf(headers)).toMatchObject({
      aud: 'https://provider.example/A20047/STU3/1/gpconnect',
      iat: 1_000_000,
      exp: 1_000_300,
    });
  });

  it('makes a new trace id each time', () => {
    expect(buildEnvelope('read:metadata-1')['Ssp-TraceID']).not.toBe(
      buildEnvelope('read:metadata-1')['Ssp-TraceID'],
    );
  });

  it('makes an unsigned token: {"alg":"none","typ":"JWT"}, base64url, empty signature', () => {
    const token = encodeUnsignedJwt(buildClaims('read:metadata-1'));
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.$/);
    expect(jwt.decode(token, { complete: true })?.header).toEqual({ alg: 'none', typ: 'JWT' });
  });
});

describe('formatCurlConfig', () => {
  it('writes one header line per header for curl -K -', () => {
    expect(formatCurlConfig({ 'Ssp-From': '200000000359', Accept: 'application/fhir+json' })).toBe(
      'header = "Ssp-From: 200000000359"\nheader = "Accept: application/fhir+json"\n',
    );
  });

  it('escapes quotes and backslashes', () => {
    expect(formatCurlConfig({ 'X-Test': 'a "b" \\c' })).toBe('header = "X-Test: a \\"b\\" \\\\c"\n');
  });

  it('writes every header of an envelope', () => {
    const headers = buildEnvelope('create:appointment-1');
    const lines = formatCurlConfig(headers).trimEnd().split('\n');
    expect(lines).toHaveLength(7);
    expect(lines).toContain(`header = "Authorization: ${headers.Authorization}"`);
  });
});
