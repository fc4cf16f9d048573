import { afterEach, describe, expect, it } from 'vitest';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

/** Issue 13 items 5 and 8: X-Sandbox-Fault is behind the admin token, and token guesses are throttled. */

const TOKEN = 'a-long-enough-admin-token';
let sandbox: TestSandbox;
afterEach(async () => {
  await sandbox?.close();
});

function metadata(headers: Record<string, string>) {
  return sandbox.http.get('/metadata').set(envelope('read:metadata-1')).set(headers);
}

describe('X-Sandbox-Fault with --admin-token', () => {
  it('needs X-Admin-Token too: 401 without, 403 with a wrong one, applied with the right one', async () => {
    sandbox = testSandbox({ adminToken: TOKEN });
    const fault = { 'X-Sandbox-Fault': 'error=409:DUPLICATE_REJECTED' };
    const without = await metadata(fault);
    expect(without.status).toBe(401);
    expect(without.body.resourceType).toBe('OperationOutcome');
    expect(without.body.issue[0].diagnostics).toMatch(/X-Sandbox-Fault needs X-Admin-Token/);
    const wrong = await metadata({ ...fault, 'X-Admin-Token': 'not-the-token' });
    expect(wrong.status).toBe(403);
    expect(wrong.body.issue[0].diagnostics).toMatch(/X-Sandbox-Fault.*X-Admin-Token/);
    const right = await metadata({ ...fault, 'X-Admin-Token': TOKEN });
    expect(right.status).toBe(409);
    // Without the header, nothing changes for consumers.
    expect((await metadata({})).status).toBe(200);
  });

  it('makes no session for a request it refuses (401, 403)', async () => {
    sandbox = testSandbox({ adminToken: TOKEN, maxSessions: 2 });
    for (let i = 0; i < 5; i++) {
      const refused = await metadata({ 'X-Sandbox-Fault': 'delay=1', 'X-Sandbox-Session': `evil-${i}` });
      expect(refused.status).toBe(401);
    }
    expect(sandbox.core.sessions.size).toBe(0);
    expect((await metadata({ 'X-Sandbox-Session': 'legit-test' })).status).toBe(200);
  });

  it('is off with --no-header-faults: the real answer, a warning, and a journal note', async () => {
    sandbox = testSandbox({ headerFaults: false });
    const res = await metadata({ 'X-Sandbox-Fault': 'error=409:DUPLICATE_REJECTED' });
    expect(res.status).toBe(200);
    expect(res.headers['x-sandbox-warning']).toMatch(/X-Sandbox-Fault was ignored.*--no-header-faults/);
    const [entry] = sandbox.core.defaultWorld.journal.list(1);
    expect(entry!.problems.join(' ')).toMatch(/--no-header-faults/);
    expect(entry!.fault).toBeUndefined();
  });
});

describe('wrong admin tokens', () => {
  it('are throttled per client address: 429 with Retry-After after a few, even for the right token', async () => {
    sandbox = testSandbox({ adminToken: TOKEN });
    // Asking without a token is not a guess.
    for (let i = 0; i < 10; i++) expect((await sandbox.http.get('/_admin/state')).status).toBe(401);
    expect((await sandbox.http.get('/_admin/state').set('X-Admin-Token', TOKEN)).status).toBe(200);
    for (let i = 0; i < 5; i++) {
      const res = await sandbox.http.get('/_admin/state').set('X-Admin-Token', `guess-${i}`);
      expect(res.status).toBe(401);
    }
    for (const token of ['guess-5', TOKEN]) {
      const res = await sandbox.http.get('/_admin/state').set('X-Admin-Token', token);
      expect(res.status).toBe(429);
      expect(res.body.field).toBe('X-Admin-Token');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    // The page's token probe and the fault header are throttled alike.
    expect((await sandbox.http.get('/_admin/auth').set('X-Admin-Token', TOKEN)).status).toBe(429);
    const fault = await metadata({ 'X-Sandbox-Fault': 'drop=reset', 'X-Admin-Token': TOKEN });
    expect(fault.status).toBe(429);
    expect(fault.body.resourceType).toBe('OperationOutcome');
    expect(fault.headers['retry-after']).toBeDefined();
    // Health stays open.
    expect((await sandbox.http.get('/_admin/health')).status).toBe(200);
  });

  it('counts guesses through X-Sandbox-Fault and /_admin/auth too', async () => {
    sandbox = testSandbox({ adminToken: TOKEN });
    for (let i = 0; i < 3; i++) {
      expect((await metadata({ 'X-Sandbox-Fault': 'drop=reset', 'X-Admin-Token': `g${i}` })).status).toBe(
        403,
      );
    }
    for (let i = 0; i < 2; i++) {
      const res = await sandbox.http.get('/_admin/auth').set('X-Admin-Token', `h${i}`);
      expect(res.body).toEqual({ tokenRequired: true, tokenAccepted: false });
    }
    expect((await sandbox.http.get('/_admin/state').set('X-Admin-Token', TOKEN)).status).toBe(429);
  });
});
