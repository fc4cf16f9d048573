import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildClaims, buildEnvelope, encodeUnsignedJwt } from './build-headers.js';
import type { EnvelopeResult, HeaderValue } from './envelope.js';
import { checkEnvelope } from './envelope.js';
import { INTERACTIONS } from './interactions.js';

const NOW = 1_750_000_000;
const OPTIONS = { providerAsid: '918999198993', nowSeconds: NOW };

type Path = ReadonlyArray<string | number>;

/** Every path into a JSON value: the places a mutation can land. */
function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (typeof value !== 'object' || value === null) return [];
  const keys: Array<string | number> = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return keys.flatMap((k) => [
    [...prefix, k],
    ...pathsOf((value as Record<string | number, unknown>)[k], [...prefix, k]),
  ]);
}

function mutate(root: Record<string, unknown>, path: Path, value: unknown): void {
  let node: unknown = root;
  for (const key of path.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return;
    node = (node as Record<string | number, unknown>)[key];
  }
  if (typeof node !== 'object' || node === null) return;
  const last = path.at(-1) as string | number;
  if (value === undefined) delete (node as Record<string | number, unknown>)[last];
  else (node as Record<string | number, unknown>)[last] = value;
}

function expectWellFormed(result: EnvelopeResult): void {
  for (const p of result.problems) {
    expect(['BAD_REQUEST', 'INVALID_RESOURCE']).toContain(p.code);
    expect(p.status).toBe(p.code === 'BAD_REQUEST' ? 400 : 422);
    expect(p.field).not.toBe('');
    expect(p.diagnostics).not.toBe('');
  }
  for (const w of result.warnings) expect(typeof w).toBe('string');
}

const interaction = fc.constantFrom(...INTERACTIONS);
const CLAIM_PATHS = pathsOf(buildClaims('read:metadata-1', { nowSeconds: NOW }));
const extraKeys = ['requested_record', 'foo', '_model', '__proto__', 'constructor', 'toString'];

const mutation = fc.record({
  path: fc.oneof(
    fc.constantFrom(...CLAIM_PATHS),
    fc.constantFrom(...extraKeys).map((k) => [k]),
    fc.tuple(
      fc.constantFrom('requesting_device', 'requesting_organization', 'requesting_practitioner'),
      fc.string(),
    ),
  ),
  // undefined deletes; otherwise any JSON value, nested at times.
  value: fc.option(fc.jsonValue({ maxDepth: 3 }), { nil: undefined }),
});

describe('checkEnvelope under random input', () => {
  it('never throws for random mutations of valid claims, and a problem always names its field', () => {
    fc.assert(
      fc.property(interaction, fc.array(mutation, { maxLength: 6 }), (i, mutations) => {
        const claims = buildClaims(i, { nowSeconds: NOW });
        for (const m of mutations) mutate(claims, m.path, m.value);
        const headers = Object.fromEntries(
          Object.entries(buildEnvelope(i, { nowSeconds: NOW })).map(([k, v]) => [k.toLowerCase(), v]),
        );
        headers.authorization = `Bearer ${encodeUnsignedJwt(claims)}`;
        const result = checkEnvelope(
          { method: i.method, path: i.path.replace('{id}', '1'), headers },
          OPTIONS,
        );
        expectWellFormed(result);
        if (mutations.length === 0) expect(result.problems).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws for random claims objects of any shape', () => {
    fc.assert(
      fc.property(interaction, fc.jsonValue(), (i, claims) => {
        const headers = { authorization: `Bearer ${encodeUnsignedJwt(claims)}` };
        expectWellFormed(checkEnvelope({ method: i.method, path: i.path, headers }, OPTIONS));
      }),
      { numRuns: 500 },
    );
  });

  const headerValue: fc.Arbitrary<HeaderValue> = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.array(fc.string(), { maxLength: 3 }),
    fc.constant(undefined),
  );
  const tokenish = fc.stringMatching(/^[A-Za-z0-9_=+/.-]{0,60}$/).map((t) => `Bearer ${t}`);
  const encodedParts = fc
    .tuple(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), fc.string())
    .map(
      ([h, p, s]) =>
        `Bearer ${Buffer.from(h).toString('base64url')}.${Buffer.from(p).toString('base64url')}.${s}`,
    );

  it('never throws for random header strings, methods and paths', () => {
    fc.assert(
      fc.property(
        fc.record({
          'ssp-traceid': headerValue,
          'ssp-from': headerValue,
          'ssp-to': headerValue,
          'ssp-interactionid': fc.oneof(headerValue, fc.constantFrom(...INTERACTIONS.map((i) => i.id))),
          authorization: fc.oneof(headerValue, tokenish, encodedParts),
        }),
        fc.oneof(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'), fc.string()),
        fc.oneof(fc.constantFrom(...INTERACTIONS.map((i) => i.path)), fc.string()),
        (headers, method, path) => {
          const seenTraceIds = new Set<string>();
          expectWellFormed(checkEnvelope({ method, path, headers }, { ...OPTIONS, seenTraceIds }));
        },
      ),
      { numRuns: 1500 },
    );
  });
});
