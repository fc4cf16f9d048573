import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../../src/index.js';
import { s1Slot } from '../helpers/appointments.js';
import { gpcBooking, seedExample } from '../helpers/bodies.js';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

const TOKEN = 'metrics-token';
let sandbox: TestSandbox | undefined;
let running: RunningSandbox[] = [];
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
  await Promise.all(running.map((r) => r.close()));
  running = [];
});

type Metrics = Map<string, PrometheusFamily>;

/** GET /_admin/metrics, parsed by a real Prometheus text-format parser. */
async function scrape(sb: TestSandbox, headers: Record<string, string> = {}): Promise<Metrics> {
  const res = await sb.http.get('/_admin/metrics').set(headers);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return new Map(parsePrometheusTextFormat(res.text).map((f) => [f.name, f]));
}

/** The value of one sample (0 when the labelled series is absent). */
function value(metrics: Metrics, name: string, labels: Record<string, string> = {}): number {
  const family = metrics.get(name);
  expect(family, name).toBeDefined();
  const sample = family!.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return sample ? Number(sample.value) : 0;
}

/** Book an s1 slot on 2026-06-02 at a time, with the body the sandbox's profile wants. */
function book(sb: TestSandbox, time: string, headers: Record<string, string> = {}) {
  const profile = sb.core.profile.name;
  const slot = s1Slot('2026-06-02', time);
  const body = profile === 'careconnect' ? seedExample(slot.id) : gpcBooking({ slots: [slot] });
  return sb.http
    .post('/Appointment')
    .set(envelope('create:appointment-1'))
    .set('Content-Type', 'application/fhir+json')
    .set(headers)
    .send(JSON.stringify(body));
}

describe('GET /_admin/metrics', () => {
  it('exposes every metric with its type and help, all starting at zero', async () => {
    sandbox = testSandbox();
    const metrics = await scrape(sandbox);
    const types: Record<string, PrometheusFamily['type']> = {
      gpc_sandbox_requests_total: 'COUNTER',
      gpc_sandbox_faults_applied_total: 'COUNTER',
      gpc_sandbox_bookings_total: 'COUNTER',
      gpc_sandbox_appointments: 'GAUGE',
      gpc_sandbox_active_sessions: 'GAUGE',
      gpc_sandbox_journal_bytes: 'GAUGE',
      gpc_sandbox_held_connections: 'GAUGE',
    };
    for (const [name, type] of Object.entries(types)) {
      expect(metrics.get(name)?.type, name).toBe(type);
      expect(metrics.get(name)?.help.length, name).toBeGreaterThan(10);
    }
    expect(value(metrics, 'gpc_sandbox_bookings_total')).toBe(0);
    expect(value(metrics, 'gpc_sandbox_journal_bytes')).toBe(0);
    expect(value(metrics, 'gpc_sandbox_active_sessions')).toBe(0);
  });

  it.each([
    ['careconnect', '422'],
    ['gpconnect-1.2.7', '409'],
  ] as const)(
    'moves with real requests (%s): by interaction and status, faults by rule, bookings, sessions, journal bytes',
    async (profile, duplicate) => {
      sandbox = testSandbox({ profile });
      expect((await book(sandbox, '09:00')).status).toBe(201);
      // The same slot again: the duplicate error.
      expect((await book(sandbox, '09:00')).status).toBe(Number(duplicate));
      // A session's booking counts too.
      expect((await book(sandbox, '09:10', { 'X-Sandbox-Session': 'm1' })).status).toBe(201);
      // A fault rule fires twice.
      await sandbox.http
        .post('/_admin/faults')
        .send({ name: 'boom', when: { path: '/metadata' }, error: { code: 'INTERNAL_SERVER_ERROR' } })
        .expect(201);
      for (let i = 0; i < 2; i++) {
        expect((await sandbox.http.get('/metadata').set(envelope('read:metadata-1'))).status).toBe(500);
      }
      // A path no interaction serves: the interaction is unknown.
      expect((await sandbox.http.get('/Nothing')).status).toBe(404);

      const metrics = await scrape(sandbox);
      const requests = (interaction: string, status: string) =>
        value(metrics, 'gpc_sandbox_requests_total', { interaction, status });
      expect(requests('rest:create:appointment-1', '201')).toBe(2);
      expect(requests('rest:create:appointment-1', duplicate)).toBe(1);
      expect(requests('rest:read:metadata-1', '500')).toBe(2);
      expect(requests('unknown', '404')).toBe(1);
      expect(value(metrics, 'gpc_sandbox_faults_applied_total', { rule: 'boom' })).toBe(2);
      expect(value(metrics, 'gpc_sandbox_bookings_total')).toBe(2);
      expect(value(metrics, 'gpc_sandbox_appointments', { status: 'booked' })).toBe(2);
      expect(value(metrics, 'gpc_sandbox_active_sessions')).toBe(1);
      const journalBytes = value(metrics, 'gpc_sandbox_journal_bytes');
      // At least every request body the journal keeps.
      expect(journalBytes).toBeGreaterThan(3 * JSON.stringify(seedExample()).length);

      // A reset empties the journal and the appointments; the counters never go down.
      await sandbox.http.post('/_admin/reset?all=true').expect(200);
      const after = await scrape(sandbox);
      expect(value(after, 'gpc_sandbox_bookings_total')).toBe(2);
      expect(value(after, 'gpc_sandbox_appointments', { status: 'booked' })).toBe(0);
      expect(value(after, 'gpc_sandbox_journal_bytes')).toBeLessThan(journalBytes);
      expect(value(after, 'gpc_sandbox_journal_bytes')).toBe(0);
    },
  );

  it('counts a booking whose answer a fault replaced (after: true) as committed', async () => {
    sandbox = testSandbox();
    const res = await book(sandbox, '09:00', {
      'X-Sandbox-Fault': 'after;error=500:INTERNAL_SERVER_ERROR',
    });
    expect(res.status).toBe(500);
    const metrics = await scrape(sandbox);
    expect(value(metrics, 'gpc_sandbox_bookings_total')).toBe(1);
    expect(
      value(metrics, 'gpc_sandbox_requests_total', {
        interaction: 'rest:create:appointment-1',
        status: '500',
      }),
    ).toBe(1);
  });

  it('counts connections a hang fault holds, and lets them go', async () => {
    const sb = await startSandbox({ clock: '2026-06-01T08:00:00+01:00' });
    running.push(sb);
    const abort = new AbortController();
    const hanging = fetch(`${sb.fhirBase}/metadata`, {
      headers: { ...sb.headers('read:metadata-1'), 'X-Sandbox-Fault': 'drop=hang' },
      signal: abort.signal,
    }).catch(() => 'aborted');
    const held = async () => {
      const text = await (await fetch(`${sb.url}/_admin/metrics`)).text();
      const family = parsePrometheusTextFormat(text).find((f) => f.name === 'gpc_sandbox_held_connections');
      return Number(family?.metrics[0]?.value);
    };
    while ((await held()) !== 1) await new Promise((r) => setTimeout(r, 20));
    abort.abort();
    expect(await hanging).toBe('aborted');
    while ((await held()) !== 0) await new Promise((r) => setTimeout(r, 20));
    const text = await (await fetch(`${sb.url}/_admin/metrics`)).text();
    const dropped = parsePrometheusTextFormat(text)
      .find((f) => f.name === 'gpc_sandbox_requests_total')
      ?.metrics.find((m) => m.labels?.['status'] === 'dropped');
    expect(dropped?.labels?.['interaction']).toBe('rest:read:metadata-1');
  });

  it('keeps each sandbox in one process apart (its own registry)', async () => {
    const a = await startSandbox({ clock: '2026-06-01T08:00:00+01:00' });
    const b = await startSandbox({ clock: '2026-06-01T08:00:00+01:00' });
    running.push(a, b);
    await fetch(`${a.fhirBase}/metadata`, { headers: a.headers('read:metadata-1') });
    const count = async (sb: RunningSandbox) => {
      const families = parsePrometheusTextFormat(await (await fetch(`${sb.url}/_admin/metrics`)).text());
      const samples = families.find((f) => f.name === 'gpc_sandbox_requests_total')?.metrics ?? [];
      return samples.reduce((sum, m) => sum + Number(m.value), 0);
    };
    expect(await count(a)).toBe(1);
    expect(await count(b)).toBe(0);
    await fetch(`${b.fhirBase}/metadata`, { headers: b.headers('read:metadata-1') });
    await fetch(`${b.fhirBase}/metadata`, { headers: b.headers('read:metadata-1') });
    expect(await count(a)).toBe(1);
    expect(await count(b)).toBe(2);
  });

  it('is behind the admin token when one is set', async () => {
    sandbox = testSandbox({ adminToken: TOKEN });
    const refused = await sandbox.http.get('/_admin/metrics');
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ error: expect.stringContaining('X-Admin-Token'), field: 'X-Admin-Token' });
    const metrics = await scrape(sandbox, { 'X-Admin-Token': TOKEN });
    expect(metrics.has('gpc_sandbox_requests_total')).toBe(true);
  });
});
