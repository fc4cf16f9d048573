/**
 * Soak: the long variants of test/reliability, too slow for npm test. Run with `npm run soak`
 * (builds first). Exits 1 when a check fails. Options (environment):
 *
 *   SOAK_REQUESTS=100000   requests in the memory run (mixed: search, book, read, metadata, sessions)
 *   SOAK_JOURNAL_SIZE=100, SOAK_MAX_SESSIONS=20   the memory run's bounds
 *   SOAK_KILLS=20          kill -9 rounds against the CLI with --db
 *   SOAK_PARTS=memory,kill,loris   which parts to run
 *
 * 1. memory: 100k mixed requests over 50 keep-alive connections against startSandbox() in this
 *    process (journal 100, at most 20 sessions, a fifth of the requests in sessions, so every
 *    bounded structure is full early); the heap after a forced GC is sampled every 10k requests.
 *    Passes when the heap at the end is within 1.1x + 8 MB of the heap at 40% of the run, with no
 *    5xx and no network error.
 * 2. kill: SOAK_KILLS rounds of "book with 16 in flight, SIGKILL at a random 201, restart on the
 *    same --db file": the file parses after every kill, and every acknowledged booking reads back.
 * 3. loris: with the default timeouts (15 s headers, checked every second), a client sending a
 *    header byte a second is answered 408 and closed within 17 s.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { buildEnvelope } from '../dist/auth/build-headers.js';
import { mulberry32 } from '../dist/faults/random.js';
import { startSandbox } from '../dist/index.js';
import { coreOf } from '../dist/testing.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const REQUESTS = Number(process.env.SOAK_REQUESTS ?? 100_000);
/** Small bounds, so that every bounded structure is full long before the end. */
const JOURNAL_SIZE = Number(process.env.SOAK_JOURNAL_SIZE ?? 100);
const MAX_SESSIONS = Number(process.env.SOAK_MAX_SESSIONS ?? 20);
const KILLS = Number(process.env.SOAK_KILLS ?? 20);
const PARTS = (process.env.SOAK_PARTS ?? 'memory,kill,loris').split(',');
const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const CLOCK = '2026-06-01T08:00:00+01:00';
const MB = 1024 * 1024;

const failures = [];
function check(ok, message) {
  if (!ok) failures.push(message);
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${message}`);
}

const random = mulberry32;

/** Free slots of s1..s4 from 2 June, 08:00-17:50 every 10 minutes, 14 days: 3,360 of them. */
const SLOTS = [];
for (let day = 2; day <= 15; day++) {
  for (let minutes = 8 * 60; minutes < 18 * 60; minutes += 10) {
    for (const s of ['s1', 's2', 's3', 's4']) {
      const hhmm = `${String(Math.floor(minutes / 60)).padStart(2, '0')}${String(minutes % 60).padStart(2, '0')}`;
      SLOTS.push(`${s}-202606${String(day).padStart(2, '0')}${hhmm}`);
    }
  }
}

function booking(slotId, patientId) {
  return JSON.stringify({
    resourceType: 'Appointment',
    status: 'booked',
    description: 'Soak',
    slot: [{ reference: `Slot/${slotId}` }],
    participant: [{ actor: { reference: `Patient/${patientId}` }, status: 'booked' }],
  });
}

function send(agent, url, method, path, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${path}`, { method, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode, body: text.startsWith('{') ? JSON.parse(text) : text });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function memory() {
  console.log(`\n# memory: ${REQUESTS} mixed requests over 50 connections`);
  const sandbox = await startSandbox({ clock: CLOCK, journalSize: JOURNAL_SIZE, maxSessions: MAX_SESSIONS });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 50 });
  const rnd = random(1);
  const samples = [];
  const statuses = new Map();
  let errors = 0;
  let sent = 0;
  let nextSlot = 0;
  const booked = [];
  let resetting;

  const one = async () => {
    const r = rnd();
    const session =
      rnd() < 0.2 ? { 'X-Sandbox-Session': `soak-${Math.floor(rnd() * MAX_SESSIONS * 2)}` } : {};
    let res;
    if (r < 0.3) {
      res = await send(
        agent,
        sandbox.url,
        'GET',
        '/Slot?status=free&start=ge2026-06-03&end=le2026-06-03&_include=Slot:schedule',
        { ...buildEnvelope('search:slot-1'), ...session },
      );
    } else if (r < 0.6) {
      if (nextSlot >= SLOTS.length) {
        // Slots used up: back to the seed (what a demo's admin would do), once.
        resetting ??= send(agent, sandbox.url, 'POST', '/_admin/reset', {}).then(() => {
          nextSlot = 0;
          booked.length = 0;
          resetting = undefined;
        });
        await resetting;
      }
      const slotId = SLOTS[nextSlot++ % SLOTS.length];
      res = await send(
        agent,
        sandbox.url,
        'POST',
        '/Appointment',
        { ...buildEnvelope('create:appointment-1'), 'Content-Type': 'application/fhir+json', ...session },
        booking(slotId, String((nextSlot % 20) + 1)),
      );
      if (res.status === 201 && !session['X-Sandbox-Session']) booked.push(res.body.id);
    } else if (r < 0.85 && booked.length > 0) {
      const id = booked[Math.floor(rnd() * booked.length)];
      res = await send(agent, sandbox.url, 'GET', `/Appointment/${id}`, buildEnvelope('read:appointment-1'));
    } else {
      res = await send(agent, sandbox.url, 'GET', '/metadata', {
        ...buildEnvelope('read:metadata-1'),
        ...session,
      });
    }
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  };

  const sample = () => {
    gc();
    gc();
    const m = process.memoryUsage();
    samples.push({
      requests: sent,
      heapMB: +(m.heapUsed / MB).toFixed(1),
      rssMB: +(m.rss / MB).toFixed(1),
      journal: coreOf(sandbox).defaultWorld.journal.size,
      sessions: coreOf(sandbox).sessions.size,
    });
    console.log(JSON.stringify(samples.at(-1)));
  };

  sample();
  const started = Date.now();
  let pausing;
  const worker = async () => {
    while (sent < REQUESTS) {
      if (pausing) await pausing;
      sent++;
      if (sent % 10_000 === 0) {
        // Let the requests in flight finish, then measure.
        pausing = new Promise((resolve) => setTimeout(resolve, 200)).then(sample);
        await pausing;
        pausing = undefined;
      }
      try {
        await one();
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: 50 }, worker));
  sample();
  console.log(
    `statuses ${JSON.stringify(Object.fromEntries(statuses))} in ${Math.round((Date.now() - started) / 1000)} s`,
  );
  agent.destroy();
  await sandbox.close();

  const fiveHundreds = [...statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0);
  check(errors === 0, `no network errors (${errors})`);
  check(fiveHundreds === 0, `no 5xx (${fiveHundreds})`);
  // By 40% of the run every bounded structure (journals, sessions, caches) is full: from there on
  // the heap must stay flat.
  const base = samples.find((s) => s.requests >= REQUESTS * 0.4) ?? samples[0];
  const last = samples.at(-1);
  check(
    last.heapMB <= base.heapMB * 1.1 + 8,
    `heap flat once the bounds are reached: ${base.heapMB} MB at ${base.requests} requests, ${last.heapMB} MB at ${last.requests}`,
  );
  check(last.journal <= JOURNAL_SIZE, `journal within --journal-size (${last.journal})`);
  check(last.sessions <= MAX_SESSIONS, `sessions within --max-sessions (${last.sessions})`);
}

function startCli(args) {
  const child = spawn(process.execPath, [CLI, 'start', '--port', '0', '--quiet', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1], exited });
    });
    exited.then((code) => reject(new Error(`exited ${code} before ready`)));
  });
}

async function kills() {
  console.log(`\n# kill: ${KILLS} rounds of kill -9 with --db`);
  const dir = mkdtempSync(join(tmpdir(), 'gpc-soak-'));
  const db = join(dir, 'state.json');
  const rnd = random(9);
  const acknowledged = new Map();
  let nextSlot = 0;
  let lost = 0;
  try {
    for (let round = 0; round < KILLS; round++) {
      const cli = await startCli(['--db', db, ...(round === 0 ? ['--clock', CLOCK] : [])]);
      const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
      if (nextSlot + 200 > SLOTS.length) {
        await send(agent, cli.url, 'POST', '/_admin/reset', {});
        acknowledged.clear();
        nextSlot = 0;
      }
      const killAfter = 1 + Math.floor(rnd() * 60);
      let created = 0;
      let killed = false;
      const worker = async () => {
        while (!killed && nextSlot < SLOTS.length) {
          const slotId = SLOTS[nextSlot++];
          try {
            const res = await send(
              agent,
              cli.url,
              'POST',
              '/Appointment',
              { ...buildEnvelope('create:appointment-1'), 'Content-Type': 'application/fhir+json' },
              booking(slotId, '3'),
            );
            if (res.status === 201) {
              acknowledged.set(res.body.id, slotId);
              if (++created === killAfter && !killed) {
                killed = true;
                cli.child.kill('SIGKILL');
              }
            }
          } catch {
            // In flight at the kill.
          }
        }
      };
      await Promise.all(Array.from({ length: 16 }, worker));
      agent.destroy();
      await cli.exited;
      let parsed = false;
      try {
        JSON.parse(readFileSync(db, 'utf8'));
        parsed = true;
      } catch {}
      if (!parsed) check(false, `round ${round}: the file is not valid JSON after the kill`);

      const again = await startCli(['--db', db]);
      const readAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });
      for (const [id, slotId] of acknowledged) {
        const read = await send(
          readAgent,
          again.url,
          'GET',
          `/Appointment/${id}`,
          buildEnvelope('read:appointment-1'),
        );
        if (read.status !== 200 || read.body.slot?.[0]?.reference !== `Slot/${slotId}`) lost++;
      }
      readAgent.destroy();
      again.child.kill('SIGTERM');
      await again.exited;
      process.stdout.write(
        `round ${round}: killed after ${killAfter} bookings; ${acknowledged.size} acknowledged so far\n`,
      );
    }
    check(lost === 0, `every acknowledged booking survived ${KILLS} kills (${lost} lost)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function loris() {
  console.log('\n# loris: default timeouts against a header byte a second');
  const cli = await startCli([]);
  const port = Number(new URL(cli.url).port);
  const started = Date.now();
  const result = await new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    socket.on('data', (d) => {
      out += d;
    });
    socket.on('error', () => {});
    socket.on('connect', () => socket.write('GET /metadata HTTP/1.1\r\nHost: x\r\nX-Slow: '));
    const timer = setInterval(() => socket.write('a'), 1000);
    const giveUp = setTimeout(() => socket.destroy(), 60_000);
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ out, ms: Date.now() - started });
    });
  });
  cli.child.kill('SIGTERM');
  await cli.exited;
  check(
    result.out.startsWith('HTTP/1.1 408') && result.ms <= 17_000,
    `slow loris answered 408 and closed after ${(result.ms / 1000).toFixed(1)} s (headers timeout 15 s)`,
  );
}

if (PARTS.includes('memory')) await memory();
if (PARTS.includes('kill')) await kills();
if (PARTS.includes('loris')) await loris();
console.log(
  failures.length === 0 ? '\nsoak: all checks passed' : `\nsoak: ${failures.length} check(s) failed`,
);
process.exit(failures.length === 0 ? 0 : 1);
