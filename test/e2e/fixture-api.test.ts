import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startSandbox } from 'gpconnect-sandbox';
import { describe, expect, it } from 'vitest';
import { seedExample } from '../helpers/bodies.js';
import { startCli } from '../helpers/cli.js';

const CLOCK = '2026-06-01T08:00:00+01:00';

describe('the sandbox as a CI fixture (imported by package name)', () => {
  it('gives each session its own state: two sessions book the same slot, and reset of one leaves the other', async () => {
    const sb = await startSandbox({ clock: CLOCK });
    try {
      const a = sb.session('test-a');
      const b = sb.session('test-b');
      const book = (headers: Record<string, string>) =>
        fetch(`${sb.fhirBase}/Appointment`, {
          method: 'POST',
          headers: { ...sb.headers('create:appointment-1'), ...headers },
          body: JSON.stringify(seedExample()),
        });
      expect((await book(a.headers)).status).toBe(201);
      expect((await book(b.headers)).status).toBe(201);
      expect(a.state().counts.appointments).toBe(1);
      expect(b.state().counts.appointments).toBe(1);
      expect(sb.state().counts.appointments).toBe(0);
      expect(a.requests()).toHaveLength(1);
      await a.reset();
      expect(a.state().counts.appointments).toBe(0);
      expect(b.state().counts.appointments).toBe(1);
    } finally {
      await sb.close();
    }
  });

  it('keeps a session when another client moves the sandbox clock: its booking stays, its slot stays booked', async () => {
    // Issue 15: session idle time runs on real time, so PUT /_admin/clock never ends a session.
    const sb = await startSandbox({ clock: CLOCK, sessionTtl: 'PT30M' });
    try {
      const a = sb.session('test-a');
      const booked = await fetch(`${sb.fhirBase}/Appointment`, {
        method: 'POST',
        headers: { ...sb.headers('create:appointment-1'), ...a.headers },
        body: JSON.stringify(seedExample()),
      });
      expect(booked.status).toBe(201);
      const { id } = (await booked.json()) as { id: string };
      // Another test (no session header) moves the shared clock past the TTL, as the admin page's buttons do.
      for (const change of [
        { advance: 'PT31M' },
        { advance: 'PT1H' },
        { now: '2026-06-01T12:00:00+01:00' },
      ]) {
        const moved = await fetch(`${sb.url}/_admin/clock`, {
          method: 'PUT',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(change),
        });
        expect(moved.status).toBe(200);
      }
      const read = await fetch(`${sb.fhirBase}/Appointment/${id}`, {
        headers: { ...sb.headers('read:appointment-1'), ...a.headers },
      });
      expect(read.status).toBe(200);
      const state = a.state();
      expect(state.counts.appointments).toBe(1);
      expect(state.slots.find((slot) => slot['id'] === 's1-202606020900')?.['status']).toBe('busy');
    } finally {
      await sb.close();
    }
  });

  it('expires idle sessions after --session-ttl of real time, even with the clock frozen, and then admits new ones', async () => {
    const sb = await startSandbox({ clock: CLOCK, sessionTtl: 'PT2S', maxSessions: 3 });
    try {
      const call = (id: string) =>
        fetch(`${sb.fhirBase}/metadata`, {
          headers: { ...sb.headers('read:metadata-1'), 'X-Sandbox-Session': id },
        });
      for (const id of ['one', 'two', 'three']) expect((await call(id)).status).toBe(200);
      expect((await call('four')).status).toBe(429);
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect((await call('four')).status).toBe(200);
      expect((await call('five')).status).toBe(200);
    } finally {
      await sb.close();
    }
  });

  it('refuses a session beyond --max-sessions with 429 and an OperationOutcome', async () => {
    const sb = await startSandbox({ clock: CLOCK, maxSessions: 2 });
    try {
      const call = (id: string) =>
        fetch(`${sb.fhirBase}/metadata`, {
          headers: { ...sb.headers('read:metadata-1'), 'X-Sandbox-Session': id },
        });
      expect((await call('one')).status).toBe(200);
      expect((await call('two')).status).toBe(200);
      const third = await call('three');
      expect(third.status).toBe(429);
      const outcome = (await third.json()) as { issue: Array<{ diagnostics: string }> };
      expect(outcome.issue[0]!.diagnostics).toMatch(/--max-sessions/);
      expect((await call('one')).status).toBe(200);
    } finally {
      await sb.close();
    }
  });

  it('arms and disarms faults, and reads the journal, from code', async () => {
    const sb = await startSandbox({ clock: CLOCK });
    try {
      sb.armFault({
        name: 'busy',
        when: { method: 'POST', path: '/Appointment' },
        error: { code: 'DUPLICATE_REJECTED' },
        times: 1,
      });
      const post = () =>
        fetch(`${sb.fhirBase}/Appointment`, {
          method: 'POST',
          headers: sb.headers('create:appointment-1'),
          body: JSON.stringify(seedExample()),
        });
      expect((await post()).status).toBe(422);
      expect((await post()).status).toBe(201);
      const [newest, older] = sb.requests();
      expect(newest!.status).toBe(201);
      expect(older!.fault).toBe('busy');
      await expect(sb.armFault({ name: 'bad', error: { code: 'NOT_A_CODE' } })).rejects.toThrow(/code/);
    } finally {
      await sb.close();
    }
  });

  it('arms, lists and disarms a fault in one session from its handle, leaving other sessions and the default state alone', async () => {
    // Issue 15 §6: session(id) gains armFault, disarmFault and faults().
    const sb = await startSandbox({ clock: CLOCK });
    try {
      const a = sb.session('test-a');
      const b = sb.session('test-b');
      await a.armFault({
        name: 'busy',
        when: { method: 'POST', path: '/Appointment' },
        error: { code: 'DUPLICATE_REJECTED' },
      });
      expect(a.faults().map((rule) => [rule.name, rule.source])).toEqual([['busy', 'admin']]);
      expect(a.faults()[0]!.explain).toMatch(/DUPLICATE_REJECTED/);
      expect(b.faults()).toEqual([]);
      expect(sb.faults()).toEqual([]);
      const post = (headers: Record<string, string>) =>
        fetch(`${sb.fhirBase}/Appointment`, {
          method: 'POST',
          headers: { ...sb.headers('create:appointment-1'), ...headers },
          body: JSON.stringify(seedExample()),
        });
      expect((await post(a.headers)).status).toBe(422);
      expect((await post(b.headers)).status).toBe(201);
      expect((await post({})).status).toBe(201);
      expect(a.requests()[0]!.fault).toBe('busy');
      expect(a.disarmFault('busy')).toBe(true);
      expect(a.disarmFault('busy')).toBe(false);
      expect(a.faults()).toEqual([]);
      expect((await post(a.headers)).status).toBe(201);
      await expect(a.armFault({ name: 'bad', error: { code: 'NOT_A_CODE' } })).rejects.toThrow(/code/);
    } finally {
      await sb.close();
    }
  });

  it('lets the process exit by itself after close()', async () => {
    const script = `
      const { startSandbox } = await import(${JSON.stringify(fileURLToPath(new URL('../../dist/index.js', import.meta.url)))});
      const sb = await startSandbox({ clock: '${CLOCK}' });
      await fetch(sb.url + '/_admin/health');
      await sb.close();
      console.log('closed');
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error('the process did not exit after close(): something holds it open'));
      }, 10_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(out).toContain('closed');
    expect(code).toBe(0);
  });

  it('finishes a request in flight on SIGTERM, then exits 0', async () => {
    const cli = await startCli(['--quiet']);
    const started = fetch(`${cli.url}/metadata`, {
      headers: {
        ...(await import('../../src/auth/build-headers.js')).buildEnvelope('read:metadata-1'),
        'X-Sandbox-Fault': 'delay=1200',
      },
    });
    await new Promise((r) => setTimeout(r, 300));
    const exit = cli.stop('SIGTERM');
    const res = await started;
    expect(res.status).toBe(200);
    expect(await exit).toBe(0);
  });

  it('cuts a hung request after the grace period on SIGTERM', async () => {
    const cli = await startCli(['--quiet']);
    const { buildEnvelope } = await import('../../src/auth/build-headers.js');
    const hung = fetch(`${cli.url}/metadata`, {
      headers: { ...buildEnvelope('read:metadata-1'), 'X-Sandbox-Fault': 'drop=hang' },
    }).then(
      () => 'answered',
      () => 'cut',
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(await cli.stop('SIGTERM')).toBe(0);
    expect(await hung).toBe('cut');
  }, 20_000);
});
