import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildEnvelope } from '../../src/auth/build-headers.js';
import { isValidNhsNumber } from '../../src/domain/nhs-number.js';
import { seedExample } from '../helpers/bodies.js';
import { runCli, startCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gpc-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function firstFreeSlot(url: string): Promise<string> {
  const state = (await (await fetch(`${url}/_admin/state?days=2`)).json()) as {
    slots: Array<{ id: string; status: string; start: string; schedule: { reference: string } }>;
  };
  const now = Date.now();
  const slot = state.slots.find(
    (s: { status: string; start: string; schedule: { reference: string } }) =>
      s.status === 'free' && Date.parse(s.start) > now + 60_000 && s.schedule.reference === 'Schedule/s1',
  );
  if (!slot) throw new Error('no free slot in the next two days');
  return slot.id;
}

function book(url: string, slotId: string, aud = url) {
  return fetch(`${url}/Appointment`, {
    method: 'POST',
    headers: { ...buildEnvelope('create:appointment-1', { aud }), 'Content-Type': 'application/fhir+json' },
    body: JSON.stringify(seedExample(slotId)),
  });
}

describe('the gpc-sandbox command', () => {
  it('starts on port 0, prints where it listens, serves FHIR and admin, and exits 0 on SIGTERM', async () => {
    const cli = await startCli();
    try {
      expect(cli.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const health = await fetch(`${cli.url}/_admin/health`);
      expect(await health.json()).toEqual({ status: 'ok' });
      const metadata = await fetch(`${cli.url}/metadata`, { headers: buildEnvelope('read:metadata-1') });
      expect(metadata.status).toBe(200);
      expect(metadata.headers.get('content-type')).toBe('application/fhir+json;charset=utf-8');
      const res = await book(cli.url, await firstFreeSlot(cli.url));
      expect(res.status).toBe(201);
    } finally {
      expect(await cli.stop()).toBe(0);
    }
    expect(cli.stderr()).toContain('POST /Appointment 201');
  });

  it.each([
    [[], 204, '*'],
    [['--cors', 'off'], 400, null],
  ])('answers CORS preflights with %j: %i', async (args, status, allowOrigin) => {
    const cli = await startCli([...args, '--quiet']);
    try {
      const res = await fetch(`${cli.url}/Appointment`, {
        method: 'OPTIONS',
        headers: { Origin: 'http://localhost:5173', 'Access-Control-Request-Method': 'POST' },
      });
      expect(res.status).toBe(status);
      expect(res.headers.get('access-control-allow-origin')).toBe(allowOrigin);
    } finally {
      await cli.stop();
    }
  });

  it('prints the FHIR base when a base path is set', async () => {
    const cli = await startCli(['--base-path', '/A20047/STU3/1/gpconnect', '--quiet']);
    try {
      expect(cli.stdout()).toContain(`FHIR base: ${cli.url}/A20047/STU3/1/gpconnect`);
      const res = await fetch(`${cli.url}/A20047/STU3/1/gpconnect/metadata`, {
        headers: buildEnvelope('read:metadata-1'),
      });
      expect(res.status).toBe(200);
      expect(cli.stderr()).toBe('');
    } finally {
      await cli.stop();
    }
  });

  it('keeps bookings across a restart with --db', async () => {
    const db = join(dir, 'state.json');
    const first = await startCli(['--db', db]);
    const slotId = await firstFreeSlot(first.url);
    const booked = await book(first.url, slotId);
    expect(booked.status).toBe(201);
    const { id } = (await booked.json()) as { id: string };
    expect(await first.stop()).toBe(0);
    expect(JSON.parse(readFileSync(db, 'utf8')).state.appointments).toHaveLength(1);

    const second = await startCli(['--db', db]);
    try {
      const read = await fetch(`${second.url}/Appointment/${id}`, {
        headers: buildEnvelope('read:appointment-1'),
      });
      expect(read.status).toBe(200);
      const again = await book(second.url, slotId);
      expect(again.status).toBe(422);
    } finally {
      await second.stop();
    }
  });

  it.each([
    [['--port', 'abc'], /--port must be a whole number/],
    [['--profile', 'fhir4'], /fhir4/],
    [['--auth', 'maybe'], /maybe/],
    [['--cors', 'maybe'], /--cors.*maybe/],
    [['--clock', 'yesterday'], /--clock must be an ISO instant/],
    [['--host', '0.0.0.0'], /--admin-token/],
    [['--seed', '/nonexistent/seed'], /\/nonexistent\/seed/],
    [['--scenario', 'no-such-scenario'], /no-such-scenario/],
    [
      ['--tls-cert', '/nonexistent.pem', '--tls-key', '/nonexistent.key'],
      /--tls-cert \/nonexistent\.pem: cannot read/,
    ],
    [['--nonsense'], /unknown option/],
  ])('refuses %j with exit 2 and a clear message, starting nothing', async (args, message) => {
    const result = await runCli(['start', '--port', '0', ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).not.toContain('listening');
  });

  it('refuses a malformed seed file naming the file and the JSON path', async () => {
    const seedDir = join(dir, 'bad-seed');
    await runCli([
      'seed',
      '--random-seed',
      '3',
      '--patients',
      '3',
      '--practitioners',
      '1',
      '--days',
      '2',
      '--out',
      seedDir,
    ]);
    const schedules = JSON.parse(readFileSync(join(seedDir, 'schedules.json'), 'utf8'));
    schedules[0].pattern.slotMinutes = 'ten';
    writeFileSync(join(seedDir, 'schedules.json'), JSON.stringify(schedules));
    const result = await runCli(['start', '--port', '0', '--seed', seedDir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/schedules\.json.*\$\[0\]\.pattern\.slotMinutes/);
    const validate = await runCli(['validate', join(seedDir, 'schedules.json')]);
    expect(validate.code).toBe(2);
    expect(validate.stderr).toMatch(/\$\[0\]\.pattern\.slotMinutes/);
  });

  it('refuses a db file that is not its own, and leaves it untouched', async () => {
    const db = join(dir, 'foreign.json');
    writeFileSync(db, '{"hello": "world"}');
    const result = await runCli(['start', '--port', '0', '--db', db]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(db);
    expect(readFileSync(db, 'utf8')).toBe('{"hello": "world"}');
  });

  it('refuses a port in use with exit 2 naming the port', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const result = await runCli(['start', '--port', String(port)]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`port ${port}`);
    } finally {
      blocker.close();
    }
  });

  it('generates byte-identical seeds for the same arguments, with valid 999 NHS numbers', async () => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    for (const out of [a, b]) {
      const r = await runCli(['seed', '--random-seed', '7', '--out', out]);
      expect(r.code).toBe(0);
    }
    for (const file of [
      'patients.json',
      'schedules.json',
      'practitioners.json',
      'locations.json',
      'organizations.json',
      'seed.json',
    ]) {
      expect(readFileSync(join(a, file), 'utf8')).toBe(readFileSync(join(b, file), 'utf8'));
    }
    const patients = JSON.parse(readFileSync(join(a, 'patients.json'), 'utf8')) as Array<{
      nhsNumber: string;
    }>;
    for (const p of patients) {
      expect(p.nhsNumber.startsWith('999')).toBe(true);
      expect(isValidNhsNumber(p.nhsNumber)).toBe(true);
    }
  });

  it('prints a valid envelope for curl with gpc-sandbox headers', async () => {
    const r = await runCli(['headers', 'create:appointment-1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^header = "Ssp-InteractionID: urn:nhs:names:services:gpconnect:fhir:rest:create:appointment-1"$/m,
    );
    expect(r.stdout).toMatch(/^header = "Authorization: Bearer [\w-]+\.[\w-]+\."$/m);
    const json = await runCli(['headers', 'search:slot-1', '--json']);
    expect(JSON.parse(json.stdout)['Ssp-To']).toBe('918999198993');
  });

  it('validates scenario files, naming the file, the rule and the field of a bad one', async () => {
    const ok = await runCli(['validate', 'scenarios/slot-race.json', 'seed/patients.json']);
    expect(ok.code).toBe(0);
    const bad = join(dir, 'bad-scenario.json');
    writeFileSync(
      bad,
      JSON.stringify({ description: 'x', rules: [{ name: 'slow', delay: { uniform: [900, 100] } }] }),
    );
    const result = await runCli(['validate', bad]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(bad);
    expect(result.stderr).toMatch(/rules\[0\] "slow": delay\.uniform/);
    const start = await runCli(['start', '--port', '0', '--scenario', bad]);
    expect(start.code).toBe(2);
    expect(start.stderr).toMatch(/delay\.uniform/);
  });

  it('lists the bundled scenarios and the magic patients', async () => {
    const r = await runCli(['scenarios']);
    expect(r.code).toBe(0);
    for (const name of [
      'slow-provider',
      'flaky-network',
      'slot-race',
      'practice-switched-off',
      'spine-outage',
      'response-lost',
    ]) {
      expect(r.stdout).toContain(name);
    }
    expect(r.stdout).toMatch(/Patient\/dupe/);
  });

  it('logs JSON lines on stderr with --log-format json, the ready line alone on stdout', async () => {
    const cli = await startCli(['--log-format', 'json']);
    try {
      await fetch(`${cli.url}/metadata`, { headers: buildEnvelope('read:metadata-1') });
    } finally {
      await cli.stop();
    }
    const lines = cli.stderr().trim().split('\n');
    const entries = lines.map((line) => JSON.parse(line) as { level: string; msg: string; status?: number });
    expect(entries.find((e) => e.status === 200)?.msg).toMatch(/GET \/metadata 200/);
    expect(cli.stdout().trim().split('\n')).toEqual([`gpc-sandbox listening on ${cli.url}`]);
  });

  it('refuses a --db file another running sandbox holds, and takes over a lock left by a killed one', async () => {
    const db = join(dir, 'shared.json');
    const first = await startCli(['--db', db, '--quiet']);
    try {
      const second = await runCli(['start', '--port', '0', '--db', db]);
      expect(second.code).toBe(2);
      expect(second.stderr).toMatch(/in use by another sandbox \(process \d+\)/);
    } finally {
      await first.stop('SIGKILL');
    }
    const third = await startCli(['--db', db, '--quiet']);
    expect(await third.stop()).toBe(0);
  });
});
