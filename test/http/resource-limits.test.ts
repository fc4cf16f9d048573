import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { seedExample } from '../helpers/bodies.js';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

/** Issue 13 items 3-5: refused requests, journals and faults cannot exhaust the sandbox. */

let sandbox: TestSandbox;
afterEach(async () => {
  await sandbox?.close();
});

describe('sessions', () => {
  it('are made only by accepted requests: 1,000 refused ones with distinct ids make none', async () => {
    sandbox = testSandbox({ maxSessions: 5 });
    const server = http.createServer(sandbox.app).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      for (let batch = 0; batch < 10; batch++) {
        const statuses = await Promise.all(
          Array.from({ length: 100 }, (_, i) =>
            fetch(`http://127.0.0.1:${port}/nope`, {
              headers: { 'X-Sandbox-Session': `junk-${batch}-${i}` },
            }).then(async (res) => {
              await res.arrayBuffer();
              return res.status;
            }),
          ),
        );
        expect(new Set(statuses)).toEqual(new Set([404]));
      }
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    // Routed, but refused by the strict envelope check.
    for (let i = 0; i < 20; i++) {
      const res = await sandbox.http.get('/metadata').set('X-Sandbox-Session', `no-envelope-${i}`);
      expect(res.status).toBe(400);
    }
    expect(sandbox.core.sessions.size).toBe(0);
    // Real tests still get their sessions.
    for (let i = 0; i < 5; i++) {
      const res = await sandbox.http
        .get('/metadata')
        .set(envelope('read:metadata-1'))
        .set('X-Sandbox-Session', `real-${i}`);
      expect(res.status).toBe(200);
    }
    expect(sandbox.core.sessions.size).toBe(5);
  });

  it('still journals a refused request in the session it names when that session exists', async () => {
    sandbox = testSandbox();
    await sandbox.http.get('/metadata').set(envelope('read:metadata-1')).set('X-Sandbox-Session', 'mine');
    await sandbox.http.get('/nope').set('X-Sandbox-Session', 'mine');
    const journal = sandbox.core.sessions.peek('mine')!.journal.list();
    expect(journal.map((e) => e.status)).toEqual([404, 200]);
  });

  it("meets the scenario's faults (not the default state's armed ones) on a refused request before it exists", async () => {
    const scenario = join(mkdtempSync(join(tmpdir(), 'gpc-scenario-')), 'unrouted.json');
    writeFileSync(
      scenario,
      JSON.stringify({
        description: 'the proxy refuses HealthcareService',
        rules: [
          {
            name: 'unrouted',
            when: { interaction: 'rest:search:healthcareservice-1' },
            error: { ssp: true, status: 415 },
          },
        ],
      }),
    );
    sandbox = testSandbox({ scenario });
    const armed = await sandbox.http
      .post('/_admin/faults')
      .send({ name: 'default-only', when: { path: '/nope' }, error: { code: 'ACCESS DENIED' } });
    expect(armed.status).toBe(201);
    expect((await sandbox.http.get('/nope')).status).toBe(403);
    expect((await sandbox.http.get('/nope').set('X-Sandbox-Session', 'fresh')).status).toBe(404);
    const unrouted = await sandbox.http
      .get('/HealthcareService')
      .set('X-Sandbox-Session', 'fresh')
      .set('Ssp-InteractionID', 'urn:nhs:names:services:gpconnect:fhir:rest:search:healthcareservice-1');
    expect(unrouted.status).toBe(415);
    expect(sandbox.core.sessions.size).toBe(0);
  });

  it('in lenient mode, a routed request with envelope problems is accepted and makes its session', async () => {
    sandbox = testSandbox({ auth: 'lenient' });
    const res = await sandbox.http.get('/metadata').set('X-Sandbox-Session', 'lenient-1');
    expect(res.status).toBe(200);
    expect(sandbox.core.sessions.size).toBe(1);
  });
});

describe('the journal budget', () => {
  it('bounds the bytes all journals keep together, dropping the oldest entries first', async () => {
    const budget = 2 * 1024 * 1024;
    sandbox = testSandbox({ journalBudget: budget, profile: 'gpconnect-1.2.7' });
    // Refused bookings with ~70 KB bodies, in four sessions (each session is made by its first,
    // accepted request).
    const big = { ...seedExample(), description: 'x'.repeat(70_000) };
    for (let round = 0; round < 15; round++) {
      for (const session of ['a', 'b', 'c', 'd']) {
        const res = await sandbox.http
          .post('/Appointment')
          .set(envelope('create:appointment-1'))
          .set('X-Sandbox-Session', session)
          .set('Content-Type', 'application/fhir+json')
          .send(JSON.stringify(big));
        expect(res.status).toBeGreaterThanOrEqual(400);
      }
    }
    const budgetUsed = sandbox.core.journalBudget.usedBytes;
    expect(budgetUsed).toBeLessThanOrEqual(budget);
    const kept = ['a', 'b', 'c', 'd'].map((id) => sandbox.core.sessions.peek(id)!.journal.list());
    const retainedBytes = kept.flat().reduce((n, e) => n + JSON.stringify(e).length, 0);
    // What the entries hold is what is counted (within header bookkeeping).
    expect(retainedBytes).toBeLessThanOrEqual(budget * 1.1);
    // The oldest went first: each session keeps its newest entries, and the last round is all there.
    for (const entries of kept) {
      expect(entries.length).toBeGreaterThan(0);
      expect(entries.length).toBeLessThan(15);
    }
    const newest = kept.map((entries) => entries[0]!.seq);
    expect(newest).toEqual([15, 15, 15, 15]);
  });

  it('gives back the budget of a journal that is cleared', async () => {
    sandbox = testSandbox();
    await sandbox.http.get('/metadata').set(envelope('read:metadata-1'));
    expect(sandbox.core.journalBudget.usedBytes).toBeGreaterThan(0);
    await sandbox.http.post('/_admin/reset');
    expect(sandbox.core.journalBudget.usedBytes).toBe(0);
  });
});
