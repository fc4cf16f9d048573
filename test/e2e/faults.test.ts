import { afterEach, describe, expect, it } from 'vitest';
import { buildEnvelope } from '../../src/auth/build-headers.js';
import { type RunningSandbox, startSandbox } from '../../src/index.js';
import { coreOf } from '../../src/testing.js';
import { seedExample } from '../helpers/bodies.js';

const CLOCK = '2026-06-01T08:00:00+01:00';
let sandbox: RunningSandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

const slot = (n: number) =>
  `s1-20260602${String(9 + Math.floor(n / 6)).padStart(2, '0')}${String((n % 6) * 10).padStart(2, '0')}`;

function book(sb: RunningSandbox, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${sb.fhirBase}/Appointment`, {
    method: 'POST',
    headers: { ...buildEnvelope('create:appointment-1'), ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
}

function metadata(sb: RunningSandbox, headers: Record<string, string> = {}) {
  return fetch(`${sb.fhirBase}/metadata`, {
    headers: { ...buildEnvelope('read:metadata-1'), ...headers },
    signal: AbortSignal.timeout(3000),
  });
}

/** What the client sees: a status, or the network error's cause code. */
async function outcomeOf(request: Promise<Response>): Promise<string> {
  try {
    const res = await request;
    await res.text();
    return String(res.status);
  } catch (error) {
    const e = error as Error & { cause?: { code?: string; message?: string } };
    return e.name === 'TimeoutError' ? 'timeout' : `error:${e.cause?.code ?? e.cause?.message ?? e.message}`;
  }
}

describe('faults over a real socket', () => {
  it('answers an injected Spine error as an OperationOutcome, with the profile status when none is given', async () => {
    sandbox = await startSandbox({ clock: CLOCK, profile: 'gpconnect-1.2.7' });
    const res = await metadata(sandbox, { 'X-Sandbox-Fault': 'error=DUPLICATE_REJECTED;diagnostics=taken' });
    expect(res.status).toBe(409);
    const body = (await res.json()) as {
      issue: Array<{ diagnostics: string; details: { coding: Array<{ code: string }> } }>;
    };
    expect(body.issue[0]!.details.coding[0]!.code).toBe('DUPLICATE_REJECTED');
    expect(body.issue[0]!.diagnostics).toBe('taken');
  });

  it("answers an SSP error in the proxy's own shape", async () => {
    sandbox = await startSandbox({ clock: CLOCK });
    const res = await metadata(sandbox, { 'X-Sandbox-Fault': 'error=ssp:502' });
    expect(res.status).toBe(502);
    const body = (await res.json()) as {
      issue: Array<{ details: { coding: Array<{ system: string; code: string }> } }>;
    };
    expect(body.issue[0]!.details.coding[0]).toMatchObject({
      system: 'http://fhir.nhs.net/ValueSet/gpconnect-schedule-response-code-1-0',
      code: '502',
    });
  });

  it.each([
    ['reset', /^error:(ECONNRESET|UND_ERR_SOCKET)/],
    ['empty', /^error:(UND_ERR_SOCKET|ECONNRESET|other side closed)/],
    ['garbage', /^error:/],
    ['hang', /^timeout$/],
  ])('drops the connection: %s', async (mode, expected) => {
    sandbox = await startSandbox({ clock: CLOCK });
    expect(await outcomeOf(metadata(sandbox, { 'X-Sandbox-Fault': `drop=${mode}` }))).toMatch(expected);
    expect(await outcomeOf(metadata(sandbox))).toBe('200');
    const [entry] = sandbox.requests(2).filter((e) => e.fault);
    expect(entry?.status).toBe(0);
  });

  it('delays and then gives the real response', async () => {
    sandbox = await startSandbox({ clock: CLOCK });
    const res = await metadata(sandbox, { 'X-Sandbox-Fault': 'delay=300' });
    expect(res.status).toBe(200);
    expect(sandbox.requests(1)[0]!.ms).toBeGreaterThanOrEqual(300);
  });

  it('changes nothing when a booking is faulted, but commits first with after: true', async () => {
    sandbox = await startSandbox({ clock: CLOCK });
    const refused = await book(sandbox, seedExample(slot(0)), {
      'X-Sandbox-Fault': 'error=500:INTERNAL_SERVER_ERROR',
    });
    expect(refused.status).toBe(500);
    expect(sandbox.state().counts.appointments).toBe(0);

    expect(
      await outcomeOf(book(sandbox, seedExample(slot(1)), { 'X-Sandbox-Fault': 'after;drop=reset' })),
    ).toMatch(/^error:/);
    expect(sandbox.state().counts.appointments).toBe(1);
    const retry = await book(sandbox, seedExample(slot(1)));
    expect(retry.status).toBe(422);
  });

  it('lets a simulated competitor steal the slot, so the real DUPLICATE_REJECTED path answers', async () => {
    sandbox = await startSandbox({ clock: CLOCK });
    await sandbox.armFault({
      name: 'race',
      when: { method: 'POST', path: '/Appointment' },
      steal: true,
      times: 1,
    });
    const res = await book(sandbox, seedExample(slot(2)));
    expect(res.status).toBe(422);
    const body = (await res.json()) as { issue: Array<{ details: { coding: Array<{ code: string }> } }> };
    expect(body.issue[0]!.details.coding[0]!.code).toBe('DUPLICATE_REJECTED');
    const [stolen] = [...coreOf(sandbox).defaultWorld.state.appointments.values()];
    expect(stolen?.origin).toBe('stolen');
    expect(stolen?.slotIds).toEqual([slot(2)]);
    expect((await book(sandbox, seedExample(slot(3)))).status).toBe(201);
  });

  it('meets the magic patients with their outcomes', async () => {
    sandbox = await startSandbox({ clock: CLOCK });
    expect((await book(sandbox, seedExample(slot(9), 'dupe'))).status).toBe(422);
    expect((await book(sandbox, seedExample(slot(4), 'crash'))).status).toBe(500);
    expect((await book(sandbox, seedExample(slot(5), 'denied'))).status).toBe(403);
    expect(sandbox.state().counts.appointments).toBe(0);
  });
});

describe('scenarios', () => {
  it('slot-race: the first booking loses its slot to a competitor whose booking shows in the state', async () => {
    sandbox = await startSandbox({ clock: CLOCK, scenario: 'slot-race' });
    const res = await book(sandbox, seedExample(slot(6)));
    expect(res.status).toBe(422);
    const state = sandbox.state();
    expect(state.counts.appointments).toBe(1);
    expect(coreOf(sandbox).defaultWorld.state.appointments.get('1')?.origin).toBe('stolen');
  });

  it('practice-switched-off: bookings get 403 ACCESS DENIED while metadata still works', async () => {
    sandbox = await startSandbox({ clock: CLOCK, scenario: 'practice-switched-off' });
    const res = await book(sandbox, seedExample(slot(7)));
    expect(res.status).toBe(403);
    const body = (await res.json()) as { issue: Array<{ details: { coding: Array<{ code: string }> } }> };
    expect(body.issue[0]!.details.coding[0]!.code).toBe('ACCESS DENIED');
    expect((await metadata(sandbox)).status).toBe(200);
  });

  it('response-lost: the first booking commits and its connection is reset; the retry meets DUPLICATE_REJECTED', async () => {
    sandbox = await startSandbox({ clock: CLOCK, scenario: 'response-lost' });
    expect(await outcomeOf(book(sandbox, seedExample(slot(8))))).toMatch(/^error:/);
    expect(sandbox.state().counts.appointments).toBe(1);
  });

  it('duplicate-storm: the same seed gives the same faults on every run', async () => {
    const run = async () => {
      const sb = await startSandbox({ clock: CLOCK, scenario: 'duplicate-storm' });
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await book(sb, seedExample(slot(i)))).status);
      await sb.close();
      return statuses;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    const refused = first.filter((s) => s === 422).length;
    expect(refused).toBeGreaterThanOrEqual(14);
    expect(refused).toBeLessThan(20);
  });

  it('no-slots: a valid slot search answers with an empty Bundle', async () => {
    sandbox = await startSandbox({ clock: CLOCK, scenario: 'no-slots' });
    const res = await fetch(
      `${sandbox.fhirBase}/Slot?start=ge2026-06-02&end=le2026-06-03&status=free&_include=Slot:schedule`,
      { headers: buildEnvelope('search:slot-1') },
    );
    expect(res.status).toBe(200);
    const bundle = (await res.json()) as { resourceType: string; type: string; entry?: unknown[] };
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
    expect(bundle.entry ?? []).toHaveLength(0);
  });

  it('spine-outage: the proxy answers 415 in its own shape for an interaction it does not route', async () => {
    sandbox = await startSandbox({ clock: CLOCK, scenario: 'spine-outage' });
    const res = await fetch(`${sandbox.fhirBase}/HealthcareService?identifier=x`, {
      headers: {
        ...buildEnvelope('read:metadata-1'),
        'Ssp-InteractionID': 'urn:nhs:names:services:gpconnect:fhir:rest:search:healthcareservice-1',
      },
    });
    expect(res.status).toBe(415);
    const body = (await res.json()) as {
      issue: Array<{ details: { coding: Array<{ system: string; code: string }> } }>;
    };
    expect(body.issue[0]!.details.coding[0]).toMatchObject({ code: '415' });
  });

  it('slow-provider: the real response, late', async () => {
    sandbox = await startSandbox({ clock: CLOCK, scenario: 'slow-provider' });
    expect((await metadata(sandbox)).status).toBe(200);
    const [entry] = sandbox.requests(1);
    expect(entry!.fault).toBe('slow-everything');
    expect(entry!.ms).toBeGreaterThanOrEqual(100);
  });

  it('flaky-network: some connections fail, the same ones on every run', async () => {
    const run = async () => {
      const sb = await startSandbox({ clock: CLOCK, scenario: 'flaky-network' });
      const seen: string[] = [];
      for (let i = 0; i < 6; i++) seen.push(await outcomeOf(metadata(sb)));
      await sb.close();
      return seen.map((o) => (o.startsWith('error') ? 'error' : o));
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(first).toContain('error');
    expect(first).toContain('200');
  });
});
