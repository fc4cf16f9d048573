import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../src/application/journal.js';
import { buildEnvelope } from '../../src/auth/build-headers.js';
import { type FaultRule, startSandbox } from '../../src/index.js';
import { seedExample } from '../helpers/bodies.js';

/**
 * Faults never corrupt state: under a mix of resets, hangs, garbage, errors, steals and
 * "committed, then the response was lost" faults, each firing at random (probability < 1), the
 * state afterwards is exactly what the answered requests imply plus what `after` and `steal`
 * rules committed by design — replayed, slot by slot, from the journal's `fault` field. And the
 * --db file holds the same.
 */

const dir = mkdtempSync(join(tmpdir(), 'gpc-faults-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CLOCK = '2026-06-01T08:00:00+01:00';
const BOOKINGS = 240;
const PARALLEL = 24;
const CLIENT_TIMEOUT_MS = 1500;

const POST = { method: 'POST', path: '/Appointment' };
/** Rules that change nothing when they fire: the request never runs. */
const BEFORE: FaultRule[] = [
  { name: 'reset-before', when: POST, drop: 'reset', probability: 0.06 },
  { name: 'hang-before', when: POST, drop: 'hang', probability: 0.04 },
  { name: 'garbage-before', when: POST, drop: 'garbage', probability: 0.04 },
  { name: 'empty-before', when: POST, drop: 'empty', probability: 0.04 },
  { name: 'error-500', when: POST, error: { code: 'INTERNAL_SERVER_ERROR' }, probability: 0.06 },
  { name: 'ssp-502', when: POST, error: { ssp: true, status: 502 }, probability: 0.04 },
];
/** Rules that let the request run and commit, then replace its answer. */
const AFTER: FaultRule[] = [
  { name: 'reset-after', when: POST, after: true, drop: 'reset', probability: 0.06 },
  { name: 'hang-after', when: POST, after: true, drop: 'hang', probability: 0.04 },
  { name: 'empty-after', when: POST, after: true, drop: 'empty', probability: 0.04 },
  {
    name: 'timeout-after',
    when: POST,
    after: true,
    delay: { uniform: [0, 200] },
    error: { ssp: true, status: 504 },
    probability: 0.06,
  },
  { name: 'late-after', when: POST, after: true, delay: { fixed: 100 }, probability: 0.04 },
];
/** A competing consumer takes the slot just before the request runs. */
const STEAL: FaultRule[] = [{ name: 'steal', when: POST, steal: true, probability: 0.08 }];
/** Late, but the real answer. */
const DELAY: FaultRule[] = [{ name: 'jitter', when: POST, delay: { uniform: [0, 150] }, probability: 0.1 }];

type Answer = { status: number; body: { id?: string } } | 'no answer';

function bookOnce(url: string, slotId: string, patientId: string): Promise<Answer> {
  return new Promise((resolve) => {
    const req = http.request(`${url}/Appointment`, {
      method: 'POST',
      agent: false,
      headers: { ...buildEnvelope('create:appointment-1'), 'Content-Type': 'application/fhir+json' },
    });
    const timer = setTimeout(() => req.destroy(new Error('client timeout')), CLIENT_TIMEOUT_MS);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        clearTimeout(timer);
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
        } catch {
          resolve('no answer');
        }
      });
      res.on('error', () => resolve('no answer'));
    });
    req.on('error', () => {
      clearTimeout(timer);
      resolve('no answer');
    });
    req.end(JSON.stringify(seedExample(slotId, patientId)));
  });
}

/** One distinct slot per booking: s1..s4, from 08:00 on 2 June, every 10 minutes. */
function slot(i: number): string {
  const k = Math.floor(i / 4);
  const day = 2 + Math.floor(k / 60);
  const minutes = 8 * 60 + (k % 60) * 10;
  const hhmm = `${String(Math.floor(minutes / 60)).padStart(2, '0')}${String(minutes % 60).padStart(2, '0')}`;
  return `s${(i % 4) + 1}-202606${String(day).padStart(2, '0')}${hhmm}`;
}

interface Expected {
  owner: 'free' | 'stolen' | { patientId: string };
}

describe('faults and state', () => {
  it('leave exactly the state the answers and the by-design commits imply, in memory and on disk', async () => {
    const db = join(dir, 'faults.json');
    const sandbox = await startSandbox({ clock: CLOCK, db, journalSize: 5000, randomSeed: 11 });
    for (const rule of [...BEFORE, ...AFTER, ...STEAL, ...DELAY]) await sandbox.armFault(rule);

    // Each client books its slot; on no answer or a 5xx it retries once, as a consumer would.
    const answers = new Map<string, Answer[]>();
    let next = 0;
    const client = async () => {
      while (next < BOOKINGS) {
        const i = next++;
        const slotId = slot(i);
        const patientId = String((i % 20) + 1);
        const first = await bookOnce(sandbox.url, slotId, patientId);
        const tries = [first];
        if (first === 'no answer' || first.status >= 500)
          tries.push(await bookOnce(sandbox.url, slotId, patientId));
        answers.set(slotId, tries);
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, client));

    const journal = sandbox
      .requests()
      .filter((e) => e.method === 'POST')
      .sort((a, b) => a.seq! - b.seq!);
    const fired = new Set(journal.map((e) => e.fault).filter(Boolean));
    // The mix really happened: every kind of rule fired at least once.
    for (const rule of [...BEFORE, ...AFTER, ...STEAL]) expect(fired, rule.name).toContain(rule.name);

    // Replay the journal, slot by slot, with the rules' documented meaning.
    const expected = replay(journal);
    const state = sandbox.state();
    const actual = new Map<string, { origin: string; patient: string; id: string }>();
    for (const a of state.appointments as Array<Record<string, unknown>>) {
      const slotId = (a['slot'] as Array<{ reference: string }>)[0]!.reference.slice('Slot/'.length);
      expect(actual.has(slotId), `${slotId} held twice`).toBe(false);
      const participants = a['participant'] as Array<{ actor: { reference: string } }>;
      // Every appointment names its patient, a stolen one included.
      const participant = participants.find((p) => p.actor.reference.startsWith('Patient/'))!;
      expect(participant, JSON.stringify(a)).toBeDefined();
      const origin = (a['meta'] as { tag: Array<{ code: string }> }).tag[0]!.code;
      actual.set(slotId, { origin, patient: participant.actor.reference, id: String(a['id']) });
    }
    for (let i = 0; i < BOOKINGS; i++) {
      const slotId = slot(i);
      const want = expected.get(slotId)?.owner ?? 'free';
      const got = actual.get(slotId);
      const story = `${slotId}: ${JSON.stringify(journal.filter((e) => slotOf(e) === slotId).map((e) => [e.fault ?? '-', e.status]))}`;
      if (want === 'free') expect(got, story).toBeUndefined();
      else if (want === 'stolen') expect(got?.origin, story).toBe('stolen');
      else {
        expect(got?.origin, story).toBe('gpconnect');
        expect(got?.patient, story).toBe(`Patient/${want.patientId}`);
      }
      // Whatever a client was told with a 201 is what the state holds.
      for (const answer of answers.get(slotId) ?? []) {
        if (answer !== 'no answer' && answer.status === 201) expect(got?.id, story).toBe(answer.body.id);
      }
    }
    expect(actual.size).toBe([...expected.values()].filter((e) => e.owner !== 'free').length);

    // The same state survives a restart from the --db file.
    const before = state.appointments;
    await sandbox.close();
    const again = await startSandbox({ db });
    try {
      expect(again.state().appointments).toEqual(before);
    } finally {
      await again.close();
    }
  });
});

function slotOf(entry: JournalEntry): string | undefined {
  try {
    const body = JSON.parse(entry.request.body ?? '') as { slot?: Array<{ reference?: string }> };
    return body.slot?.[0]?.reference?.slice('Slot/'.length);
  } catch {
    return undefined;
  }
}

/** What the journal says each slot should hold, given what each rule does by design. */
function replay(journal: JournalEntry[]): Map<string, Expected> {
  const before = new Set(BEFORE.map((r) => r.name));
  const after = new Set(AFTER.map((r) => r.name));
  const out = new Map<string, Expected>();
  for (const entry of journal) {
    const slotId = slotOf(entry);
    expect(slotId, `journal entry ${entry.seq} names its slot`).toBeDefined();
    const patientId = (
      JSON.parse(entry.request.body!) as { participant: Array<{ actor: { reference: string } }> }
    ).participant[0]!.actor.reference.slice('Patient/'.length);
    const current = out.get(slotId!) ?? { owner: 'free' };
    const free = current.owner === 'free';
    if (entry.fault && before.has(entry.fault)) {
      // Never ran: nothing changes.
    } else if (entry.fault === 'steal') {
      if (free) current.owner = 'stolen';
      expect(entry.status, `${slotId}: a stolen slot answers DUPLICATE_REJECTED`).toBe(422);
    } else if (entry.fault && after.has(entry.fault)) {
      if (free) current.owner = { patientId };
    } else {
      // No fault, or only a delay: the real answer.
      expect(entry.status, `${slotId} (${entry.fault ?? 'no fault'})`).toBe(free ? 201 : 422);
      if (free) current.owner = { patientId };
    }
    out.set(slotId!, current);
  }
  return out;
}
