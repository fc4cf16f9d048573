import type { Registry } from 'prom-client';
import type { Application } from '../application/application.js';
import type { HungConnections } from '../faults/apply.js';

/** What GET /_admin/metrics reports on. */
export interface MetricsSources {
  core: Application;
  /** Connections held open by `drop: "hang"` faults. */
  hung: HungConnections;
}

/**
 * A Prometheus registry of one sandbox's metrics (prom-client, loaded on the first scrape). Its own
 * Registry, never prom-client's global one, so several sandboxes in one process do not clash.
 * Every value is read at scrape time from the sandbox's own counts (application/tallies.ts) and state,
 * so serving FHIR requests never touches prom-client. Exposition format:
 * https://prometheus.io/docs/instrumenting/exposition_formats/
 */
export async function metricsRegistry({ core, hung }: MetricsSources): Promise<Registry> {
  const { Counter, Gauge, Registry } = await import('prom-client');
  const registry = new Registry();
  const registers = [registry];
  const worlds = () => [core.defaultWorld, ...core.sessions.all()];

  new Counter({
    name: 'gpc_sandbox_requests_total',
    help: 'FHIR requests answered, by GP Connect interaction (the Ssp-InteractionID after urn:nhs:names:services:gpconnect:fhir:, "unknown" when absent or not known) and HTTP status ("dropped" when a fault dropped the connection)',
    labelNames: ['interaction', 'status'],
    registers,
    collect() {
      this.reset();
      for (const r of core.tallies.requests)
        this.inc({ interaction: r.interaction, status: r.status }, r.count);
    },
  });
  new Counter({
    name: 'gpc_sandbox_faults_applied_total',
    help: 'Requests a fault rule fired on, by rule name (armed, scenario, X-Sandbox-Fault header or magic patient rules)',
    labelNames: ['rule'],
    registers,
    collect() {
      this.reset();
      for (const [rule, count] of core.tallies.faults) this.inc({ rule }, count);
    },
  });
  new Counter({
    name: 'gpc_sandbox_bookings_total',
    help: 'Appointments booked through POST /Appointment, in every session (including ones whose answer a fault replaced)',
    registers,
    collect() {
      this.reset();
      this.inc(core.tallies.bookings);
    },
  });
  new Gauge({
    name: 'gpc_sandbox_appointments',
    help: 'Appointments held now, in the default state and every session, by status',
    labelNames: ['status'],
    registers,
    collect() {
      const counts = { booked: 0, cancelled: 0 };
      for (const world of worlds()) {
        for (const record of world.state.appointments.values()) counts[record.status]++;
      }
      for (const [status, count] of Object.entries(counts)) this.set({ status }, count);
    },
  });
  new Gauge({
    name: 'gpc_sandbox_active_sessions',
    help: 'Sessions (X-Sandbox-Session) alive now',
    registers,
    collect() {
      this.set(core.sessions.size);
    },
  });
  new Gauge({
    name: 'gpc_sandbox_journal_bytes',
    help: 'Bytes the request journals of the default state and every session hold together, as counted against --journal-budget',
    registers,
    collect() {
      this.set(core.journalBudget.usedBytes);
    },
  });
  new Gauge({
    name: 'gpc_sandbox_held_connections',
    help: 'Connections held open without an answer by drop: "hang" faults',
    registers,
    collect() {
      this.set(hung.size);
    },
  });
  return registry;
}
