/**
 * Booking throughput with autocannon: every request books a distinct slot that is free, so the
 * figure is the real booking path (201), not the duplicate path. 201s count; DUPLICATE_REJECTED
 * and anything else are counted apart.
 */

import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { buildEnvelope } from '../../dist/auth/build-headers.js';

const BODY_FOR = (slotId) =>
  JSON.stringify({
    resourceType: 'Appointment',
    status: 'booked',
    slot: [{ reference: `Slot/${slotId}` }],
    participant: [{ actor: { reference: 'Patient/1' }, status: 'booked' }],
    description: 'bench',
  });

/** Every slot free again (not for the baseline, which keeps no state). */
export async function resetSandbox(url) {
  const res = await fetch(`${url}/_admin/reset`, { method: 'POST' });
  if (res.status !== 200) throw new Error(`POST /_admin/reset answered ${res.status}: ${await res.text()}`);
  await res.arrayBuffer();
}

/**
 * One round: book slots[0..] with `connections` keep-alive connections until they run out or
 * `seconds` pass. Counts only responses that arrive within the window.
 */
function bookRound({ url, slots, seconds, connections }) {
  // A fresh token per round: exp is checked against real time and lasts 300 s.
  const headers = buildEnvelope('create:appointment-1', { aud: url });
  const amount = Math.max(connections, slots.length - connections);
  let next = 0;
  const counts = { booked: 0, duplicate: 0, other: 0, otherSample: undefined, late: 0 };
  let last = 0;
  let timedOut = false;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  return new Promise((resolve, reject) => {
    const tracker = autocannon(
      {
        url,
        connections,
        amount,
        sampleInt: 100,
        timeout: 30,
        requests: [
          {
            method: 'POST',
            path: '/Appointment',
            headers,
            // Past the end of the list the last slot repeats: a duplicate, counted apart.
            // Each request its own Ssp-TraceID, as GP Connect asks (a reused one earns a warning).
            setupRequest: (req) => ({
              ...req,
              headers: { ...req.headers, 'Ssp-TraceID': randomUUID() },
              body: BODY_FOR(slots[Math.min(next++, slots.length - 1)]),
            }),
            onResponse: (status, body) => {
              const now = performance.now();
              if (now > deadline) {
                counts.late++;
                return;
              }
              last = now;
              if (status === 201) counts.booked++;
              else if (String(body).includes('DUPLICATE_REJECTED')) counts.duplicate++;
              else {
                counts.other++;
                counts.otherSample ??= `${status} ${String(body).slice(0, 300)}`;
              }
            },
          },
        ],
      },
      (error, result) => {
        clearTimeout(timer);
        if (error) return reject(error);
        // Stopped by the clock: the whole window was under load. Out of slots: up to the last answer.
        const elapsed = timedOut ? seconds : ((last || performance.now()) - started) / 1000;
        resolve({ ...counts, elapsed, errors: result.errors, timeouts: result.timeouts, sent: next });
      },
    );
    const timer = setTimeout(() => {
      timedOut = true;
      tracker.stop();
    }, seconds * 1000);
  });
}

/**
 * One repeat: rounds of (reset, book) until `seconds` of load have been measured. A seed larger than
 * the server can book in `seconds` needs one round; a small one needs several (each on a reset state).
 */
export async function bookingRepeat({ url, slots, seconds, connections, reset, cpu }) {
  const total = { booked: 0, duplicate: 0, other: 0, otherSample: undefined, late: 0, elapsed: 0, rounds: 0 };
  total.errors = 0;
  total.answered = 0;
  total.serverCpu = 0;
  while (total.elapsed < seconds - 0.05) {
    if (reset) await resetSandbox(url);
    const cpuBefore = cpu?.() ?? 0;
    const round = await bookRound({ url, slots, seconds: seconds - total.elapsed, connections });
    total.serverCpu += (cpu?.() ?? 0) - cpuBefore;
    total.answered += round.booked + round.duplicate + round.other + round.late;
    total.rounds++;
    for (const key of ['booked', 'duplicate', 'other', 'late', 'elapsed', 'errors']) total[key] += round[key];
    total.otherSample ??= round.otherSample;
    if (round.booked + round.duplicate + round.other === 0) break;
  }
  return {
    ...total,
    perSecond: total.booked / total.elapsed,
    // Server CPU per answer (late ones included: the server did that work too), in microseconds.
    cpuUsPerRequest: cpu ? (total.serverCpu / total.answered) * 1e6 : Number.NaN,
    // The share of the window the server had the CPU: well under 1 means something else had it.
    cpuShare: cpu ? total.serverCpu / total.elapsed : Number.NaN,
  };
}
