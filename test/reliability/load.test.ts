import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEnvelope } from '../../src/auth/build-headers.js';
import { type RunningSandbox, startSandbox } from '../../src/index.js';
import { coreOf } from '../../src/testing.js';
import { seedExample } from '../helpers/bodies.js';
import { seededRandom } from '../helpers/hostile.js';

/**
 * 2,000 mixed requests over 50 keep-alive connections: no errors, no 5xx, no slot booked twice,
 * and the journal and sessions within their bounds. (Memory over 100k requests: bench/soak.mjs.)
 */

const CLOCK = '2026-06-01T08:00:00+01:00';
const REQUESTS = 2000;
const CONNECTIONS = 50;
const JOURNAL_SIZE = 100;
const MAX_SESSIONS = 4;
/** Six session ids for a cap of four: two of them are always refused with 429. */
const SESSION_IDS = ['load-a', 'load-b', 'load-c', 'load-d', 'load-e', 'load-f'];

type Kind = 'search' | 'book' | 'read' | 'metadata';

interface Op {
  kind: Kind;
  session?: string;
  slotId?: string;
  readId?: string;
  /** Searches: a whole day (240 slots) or an hour. */
  wholeDay?: boolean;
}

interface Done {
  op: Op;
  status: number;
  body: { id?: string; issue?: Array<{ details: { coding: Array<{ code: string }> } }> };
}

/** Bookings draw from fewer slots than there are bookings, so many collide. */
function slotPool(size: number): string[] {
  const slots: string[] = [];
  for (let i = 0; slots.length < size; i++) {
    const minutes = 8 * 60 + (i % 60) * 10;
    const day = 2 + Math.floor(i / 240);
    const schedule = `s${(Math.floor(i / 60) % 4) + 1}`;
    slots.push(
      `${schedule}-202606${String(day).padStart(2, '0')}${String(Math.floor(minutes / 60)).padStart(2, '0')}${String(minutes % 60).padStart(2, '0')}`,
    );
  }
  return slots;
}

function plan(): Op[] {
  const random = seededRandom(4242);
  const pool = slotPool(500);
  const ops: Op[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const r = random();
    const kind: Kind = r < 0.25 ? 'search' : r < 0.6 ? 'book' : r < 0.85 ? 'read' : 'metadata';
    const op: Op = { kind };
    if (random() < 0.2) op.session = SESSION_IDS[Math.floor(random() * SESSION_IDS.length)]!;
    if (kind === 'book') op.slotId = pool[Math.floor(random() * pool.length)]!;
    if (kind === 'read') op.readId = String(1 + Math.floor(random() * 400));
    if (kind === 'search') op.wholeDay = random() < 0.5;
    ops.push(op);
  }
  return ops;
}

function request(agent: http.Agent, sandbox: RunningSandbox, op: Op): Promise<Done> {
  const session = op.session ? { 'X-Sandbox-Session': op.session } : {};
  let path: string;
  let method = 'GET';
  let headers: Record<string, string>;
  let body: string | undefined;
  switch (op.kind) {
    case 'search':
      path = op.wholeDay
        ? '/Slot?status=free&start=ge2026-06-02&end=le2026-06-02&_include=Slot:schedule'
        : `/Slot?status=free&start=${encodeURIComponent('ge2026-06-03T09:00:00+01:00')}&end=${encodeURIComponent('le2026-06-03T10:00:00+01:00')}&_include=Slot:schedule`;
      headers = buildEnvelope('search:slot-1');
      break;
    case 'book':
      path = '/Appointment';
      method = 'POST';
      headers = { ...buildEnvelope('create:appointment-1'), 'Content-Type': 'application/fhir+json' };
      body = JSON.stringify(seedExample(op.slotId, String((op.slotId!.length % 20) + 1)));
      break;
    case 'read':
      path = `/Appointment/${op.readId}`;
      headers = buildEnvelope('read:appointment-1');
      break;
    default:
      path = '/metadata';
      headers = buildEnvelope('read:metadata-1');
  }
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${sandbox.url}${path}`,
      { method, agent, headers: { ...headers, ...session } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          try {
            resolve({ op, status: res.statusCode ?? 0, body: JSON.parse(text) });
          } catch (error) {
            reject(error);
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe(`${REQUESTS} mixed requests over ${CONNECTIONS} connections`, () => {
  let sandbox: RunningSandbox;
  let results: PromiseSettledResult<Done>[];
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });

  beforeAll(async () => {
    sandbox = await startSandbox({ clock: CLOCK, journalSize: JOURNAL_SIZE, maxSessions: MAX_SESSIONS });
    results = await Promise.allSettled(plan().map((op) => request(agent, sandbox, op)));
  });
  afterAll(async () => {
    agent.destroy();
    await sandbox?.close();
  });

  it('meets no network error and no 5xx, and each kind of call answers as it should', () => {
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    expect(errors).toEqual([]);
    const done = results.map((r) => (r as PromiseFulfilledResult<Done>).value);
    expect(done.filter((d) => d.status >= 500)).toEqual([]);
    const cappedSessions = new Set<string>();
    for (const d of done) {
      if (d.status === 429) {
        expect(d.op.session, 'only sessions beyond the cap are refused').toBeDefined();
        cappedSessions.add(d.op.session!);
        continue;
      }
      const allowed: Record<Kind, number[]> = {
        search: [200],
        metadata: [200],
        read: [200, 404],
        book: [201, 422],
      };
      expect(
        allowed[d.op.kind],
        `${d.op.kind} ${d.status} ${JSON.stringify(d.body).slice(0, 200)}`,
      ).toContain(d.status);
      if (d.op.kind === 'book' && d.status === 422)
        expect(d.body.issue?.[0]?.details.coding[0]?.code).toBe('DUPLICATE_REJECTED');
    }
    expect(cappedSessions.size).toBe(SESSION_IDS.length - MAX_SESSIONS);
    // A capped session is refused every time, an admitted one never.
    for (const d of done) if (d.op.session && cappedSessions.has(d.op.session)) expect(d.status).toBe(429);
  });

  it('books no slot twice, and the state holds exactly the acknowledged bookings', async () => {
    const done = results.map((r) => (r as PromiseFulfilledResult<Done>).value);
    const worlds = new Map<string, Done[]>();
    for (const d of done) {
      if (d.op.kind !== 'book' || d.status !== 201) continue;
      const key = d.op.session ?? '';
      worlds.set(key, [...(worlds.get(key) ?? []), d]);
    }
    expect(worlds.get('')?.length).toBeGreaterThan(100);
    for (const [session, created] of worlds) {
      const slots = created.map((d) => d.op.slotId);
      expect(new Set(slots).size, `${session || 'default'}: a slot acknowledged twice`).toBe(slots.length);
      const state = session ? sandbox.session(session).state() : sandbox.state();
      expect(state.appointments.map((a) => a['id']).sort()).toEqual(created.map((d) => d.body.id).sort());
      const held = state.appointments.map((a) => (a['slot'] as Array<{ reference: string }>)[0]!.reference);
      expect(new Set(held).size).toBe(held.length);
      expect(state.counts.busySlots).toBe(held.length);
    }
    // Every acknowledged booking of the default state reads back.
    for (const d of worlds.get('') ?? []) {
      const read = await request(agent, sandbox, { kind: 'read', readId: d.body.id! });
      expect(read.status).toBe(200);
    }
  });

  it('keeps the journal and the sessions within their bounds', async () => {
    expect(coreOf(sandbox).sessions.size).toBe(MAX_SESSIONS);
    for (const world of [coreOf(sandbox).defaultWorld, ...coreOf(sandbox).sessions.all()]) {
      expect(world.journal.size).toBeLessThanOrEqual(JOURNAL_SIZE);
    }
    expect(coreOf(sandbox).defaultWorld.journal.size).toBe(JOURNAL_SIZE);
    const journal = (await (await fetch(`${sandbox.url}/_admin/requests`)).json()) as unknown[];
    expect(journal).toHaveLength(JOURNAL_SIZE);
  });
});
