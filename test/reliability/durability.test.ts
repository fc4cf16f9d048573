import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildEnvelope } from '../../src/auth/build-headers.js';
import { seedExample } from '../helpers/bodies.js';
import { type RunningCli, startCli } from '../helpers/cli.js';

/**
 * kill -9 with --db: every booking acknowledged with a 201 survives; nothing appears that was not
 * asked for; nothing is half-written; the file is valid JSON after every kill.
 */

const dir = mkdtempSync(join(tmpdir(), 'gpc-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CLOCK = '2026-06-01T08:00:00+01:00';
const IN_FLIGHT = 12;
const PER_ROUND = 80;

interface Outcome {
  slotId: string;
  patientId: string;
  /** 'unknown': sent, and the connection died with the process before an answer. */
  result: { status: number; body: Record<string, unknown> } | 'unknown';
}

interface Loose {
  [key: string]: Loose;
}

/** Free slots, each asked for once across all rounds: s1..s4, 2 to 11 June, 08:00 to 17:50. */
function* slotIds(): Generator<string> {
  for (let day = 2; day <= 11; day++) {
    for (let minutes = 8 * 60; minutes < 18 * 60; minutes += 10) {
      for (const schedule of ['s1', 's2', 's3', 's4']) {
        const hhmm = `${String(Math.floor(minutes / 60)).padStart(2, '0')}${String(minutes % 60).padStart(2, '0')}`;
        yield `${schedule}-202606${String(day).padStart(2, '0')}${hhmm}`;
      }
    }
  }
}

function send(
  agent: http.Agent,
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; body: Loose }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${path}`, { method, headers, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Keep IN_FLIGHT bookings going (each its own slot) and SIGKILL the process the moment the
 * `killAfter`-th 201 arrives, with the others still in flight.
 */
async function bookUntilKilled(
  cli: RunningCli,
  slots: Iterator<string>,
  killAfter: number,
): Promise<Outcome[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  const outcomes: Outcome[] = [];
  let created = 0;
  let killed = false;
  let sent = 0;
  const worker = async () => {
    while (!killed && sent < PER_ROUND) {
      const next = slots.next();
      if (next.done) throw new Error('ran out of slots');
      sent++;
      const outcome: Outcome = { slotId: next.value, patientId: String((sent % 20) + 1), result: 'unknown' };
      outcomes.push(outcome);
      try {
        const res = await send(
          agent,
          cli.url,
          'POST',
          '/Appointment',
          { ...buildEnvelope('create:appointment-1'), 'Content-Type': 'application/fhir+json' },
          JSON.stringify(seedExample(outcome.slotId, outcome.patientId)),
        );
        outcome.result = res;
        if (res.status === 201 && ++created === killAfter) {
          killed = true;
          cli.child.kill('SIGKILL');
        }
      } catch {
        // The process died under this request: its outcome is unknown.
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  agent.destroy();
  if (!killed) cli.child.kill('SIGKILL');
  await cli.exited;
  return outcomes;
}

describe('kill -9 with --db', () => {
  it('keeps every acknowledged booking, invents none and half-writes none, over three kills', async () => {
    const db = join(dir, 'state.json');
    const slots = slotIds();
    const all: Outcome[] = [];
    const rounds = [
      { killAfter: 3, flags: ['--clock', CLOCK] },
      { killAfter: 20, flags: [] },
      { killAfter: 45, flags: ['--fsync'] },
    ];
    for (const [round, { killAfter, flags }] of rounds.entries()) {
      const cli = await startCli(['--db', db, '--quiet', ...flags]);
      const outcomes = await bookUntilKilled(cli, slots, killAfter);
      all.push(...outcomes);
      const acknowledged = outcomes.filter((o) => o.result !== 'unknown' && o.result.status === 201);
      expect(acknowledged.length, `round ${round}`).toBeGreaterThanOrEqual(killAfter);
      expect(
        outcomes.filter((o) => o.result === 'unknown').length,
        `round ${round}: requests were in flight at the kill`,
      ).toBeGreaterThan(0);
      for (const o of outcomes) {
        if (o.result !== 'unknown')
          expect(o.result.status, `${o.slotId}: ${JSON.stringify(o.result.body)}`).toBe(201);
      }

      // The file is whole after the kill (written to a temporary file, then renamed).
      const doc = JSON.parse(readFileSync(db, 'utf8')) as Loose;
      expect(doc['schemaVersion']).toBe(1);
      expect(Array.isArray(doc['state']!['appointments'])).toBe(true);

      await expectStateMatches(db, all, round);
    }
    // Besides the file and its change log, the leftovers of an interrupted write are temporary files only.
    for (const name of readdirSync(dir))
      expect(name).toMatch(/^(state\.json|state\.json\.log|\.state\.json\.tmp)$/);
  });
});

/** Restart on the file and compare what it serves with what the clients were told. */
async function expectStateMatches(db: string, outcomes: Outcome[], round: number): Promise<void> {
  const cli = await startCli(['--db', db, '--quiet']);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  try {
    const state = (await send(agent, cli.url, 'GET', '/_admin/state?days=14', {})).body;
    const slotStatus = new Map<string, string>();
    for (const slot of state['slots'] as unknown as Loose[])
      slotStatus.set(String(slot['id']), String(slot['status']));
    const bySlot = new Map(outcomes.map((o) => [o.slotId, o]));
    const appointments = state['appointments'] as unknown as Loose[];

    // Every 201 is there, readable as it was acknowledged, its slot busy.
    for (const o of outcomes) {
      if (o.result === 'unknown' || o.result.status !== 201) continue;
      const id = String(o.result.body['id']);
      const read = await send(
        agent,
        cli.url,
        'GET',
        `/Appointment/${id}`,
        buildEnvelope('read:appointment-1'),
      );
      expect(read.status, `round ${round}: Appointment/${id} (slot ${o.slotId}) was acknowledged`).toBe(200);
      expect(read.body).toEqual(o.result.body);
      expect(slotStatus.get(o.slotId), o.slotId).toBe('busy');
    }

    // Every appointment there was asked for, and is whole; those not acknowledged were in flight.
    const acknowledgedIds = new Set(
      outcomes.flatMap((o) =>
        o.result !== 'unknown' && o.result.status === 201 ? [String(o.result.body['id'])] : [],
      ),
    );
    for (const appointment of appointments) {
      const slotRef = String(appointment['slot']![0]!['reference']);
      const slotId = slotRef.replace(/^Slot\//, '');
      const asked = bySlot.get(slotId);
      expect(asked, `round ${round}: ${slotRef} was never asked for`).toBeDefined();
      const id = String(appointment['id']);
      if (!acknowledgedIds.has(id)) expect(asked!.result, `Appointment/${id} for ${slotRef}`).toBe('unknown');
      expect(appointment['status']).toBe('booked');
      const patient = (appointment['participant'] as unknown as Loose[]).find((p) =>
        String(p['actor']?.['reference']).startsWith('Patient/'),
      );
      expect(patient?.['actor']?.['reference']).toBe(`Patient/${asked!.patientId}`);
      const read = await send(
        agent,
        cli.url,
        'GET',
        `/Appointment/${id}`,
        buildEnvelope('read:appointment-1'),
      );
      expect(read.status).toBe(200);
      expect(slotStatus.get(slotId)).toBe('busy');
    }
    const slotsHeld = appointments.map((a) => String(a['slot']![0]!['reference']));
    expect(new Set(slotsHeld).size).toBe(slotsHeld.length);
    expect(appointments.length).toBeGreaterThanOrEqual(acknowledgedIds.size);
  } finally {
    agent.destroy();
    await cli.stop();
  }
}
