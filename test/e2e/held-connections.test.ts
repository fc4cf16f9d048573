import { afterEach, describe, expect, it } from 'vitest';
import { buildEnvelope } from '../../src/auth/build-headers.js';
import { type RunningSandbox, startSandbox } from '../../src/index.js';

/** Issue 13 item 5: faults cannot hold every connection (file descriptor) of the process. */

let sandbox: RunningSandbox;
const aborts: AbortController[] = [];
afterEach(async () => {
  for (const a of aborts.splice(0)) a.abort();
  await sandbox?.close();
});

function metadata(fault: string, signal?: AbortSignal) {
  return fetch(`${sandbox.fhirBase}/metadata`, {
    headers: { ...buildEnvelope('read:metadata-1'), 'X-Sandbox-Fault': fault },
    ...(signal ? { signal } : {}),
  });
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  expect(check()).toBe(true);
}

describe('--max-held', () => {
  it('beyond the cap, a fault that would hold a connection is not applied: the real answer and a warning', async () => {
    sandbox = await startSandbox({ maxHeld: 3 });
    for (let i = 0; i < 3; i++) {
      const abort = new AbortController();
      aborts.push(abort);
      metadata('drop=hang', abort.signal).catch(() => {});
    }
    await until(() => sandbox.requests().filter((e) => e.status === 0).length === 3);

    for (const fault of ['drop=hang', 'delay=600000', 'error=409:DUPLICATE_REJECTED;delay=5000']) {
      const res = await metadata(fault);
      expect(res.status, fault).toBe(200);
      expect(res.headers.get('x-sandbox-warning'), fault).toMatch(/was not applied.*--max-held 3/);
      await res.arrayBuffer();
      const [entry] = sandbox.requests(1);
      expect(entry!.problems.join(' ')).toMatch(/--max-held/);
    }
    // Faults that hold nothing still apply.
    expect((await metadata('error=409:DUPLICATE_REJECTED;delay=10')).status).toBe(409);

    // Once the held connections go, holding faults apply again.
    for (const a of aborts.splice(0)) a.abort();
    await new Promise((r) => setTimeout(r, 200));
    const abort = new AbortController();
    aborts.push(abort);
    const hung = metadata('drop=hang', abort.signal).then(
      () => 'answered',
      () => 'aborted',
    );
    await until(() => sandbox.requests(1)[0]?.status === 0);
    abort.abort();
    expect(await hung).toBe('aborted');
  });

  it('holds the cap when many holding faults arrive at once', async () => {
    sandbox = await startSandbox({ maxHeld: 3 });
    const abort = new AbortController();
    aborts.push(abort);
    // Statuses as responses arrive (the held ones never arrive until the abort).
    const answered: number[] = [];
    const answers = Array.from({ length: 10 }, () =>
      metadata('delay=600000', abort.signal).then(
        (res) => {
          answered.push(res.status);
          void res.arrayBuffer().catch(() => {});
          return res.status;
        },
        () => 'held',
      ),
    );
    await until(() => answered.length === 7);
    abort.abort();
    const outcomes = await Promise.all(answers);
    expect(outcomes.filter((o) => o === 200)).toHaveLength(7);
    expect(outcomes.filter((o) => o === 'held')).toHaveLength(3);
  });
});
