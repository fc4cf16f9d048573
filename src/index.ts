import { resolve } from 'node:path';
import type { Express } from 'express';
import { buildEnvelope } from './auth/build-headers.js';
import { checkConfig, DEFAULT_CONFIG, normaliseBasePath, parseSize, type SandboxConfig } from './config.js';
import { HungConnections } from './faults/apply.js';
import { type FaultRule, parseRule } from './faults/rule.js';
import { loadScenario } from './faults/scenarios.js';
import { stateView } from './http/admin-state.js';
import { createApp } from './http/app.js';
import { listen } from './http/server.js';
import { PUBLIC_DIR } from './paths.js';
import { type ClockChange, changeClock, parseDuration } from './sandbox/clock-control.js';
import { SandboxCore } from './sandbox/core.js';
import { InputError } from './sandbox/input-error.js';
import type { JournalEntry } from './sandbox/journal.js';
import type { World } from './sandbox/world.js';

import { loadSeed } from './seeding/loader.js';
import { bundledSeedDir, stampedSeed } from './seeding/seed-files.js';
import { FileStore } from './store/file-store.js';
import { MemoryStore } from './store/store.js';

export { buildEnvelope } from './auth/build-headers.js';
export type { AuthMode, Logger, SandboxConfig } from './config.js';
export type { FaultRule } from './faults/rule.js';
export type { ClockChange } from './sandbox/clock-control.js';
export type { JournalEntry } from './sandbox/journal.js';

/** Options of startSandbox(): the CLI's flags in camelCase; port 0 (a free port) by default. */
export type SandboxOptions = Partial<
  Omit<SandboxConfig, 'sessionTtlMs' | 'journalBudgetBytes' | 'maxSnapshotBytes'>
> & {
  /** Idle time before a session expires: ms, or an ISO duration such as PT30M. */
  sessionTtl?: number | string;
  /** Bytes all journals keep together (default 64 MB): a number of bytes or '64MB', '512KB'. */
  journalBudget?: number | string;
  /** Largest PUT /_admin/snapshot body (default 16 MB): a number of bytes or '16MB'. */
  maxSnapshot?: number | string;
};

export interface CreatedSandbox {
  app: Express;
  core: SandboxCore;
  /** Flush the store and cut hung fault connections. */
  close(): Promise<void>;
}

function resolveConfig(options: SandboxOptions, defaults: Partial<SandboxConfig>): SandboxConfig {
  const { sessionTtl, journalBudget, maxSnapshot, ...rest } = options;
  const config: SandboxConfig = { ...DEFAULT_CONFIG, ...defaults, ...stripUndefined(rest) };
  if (sessionTtl !== undefined)
    config.sessionTtlMs = typeof sessionTtl === 'number' ? sessionTtl : parseTtl(sessionTtl);
  if (journalBudget !== undefined) config.journalBudgetBytes = parseSize('--journal-budget', journalBudget);
  if (maxSnapshot !== undefined) config.maxSnapshotBytes = parseSize('--max-snapshot', maxSnapshot);
  if (Array.isArray(config.allowedHosts)) config.allowedHosts = [...config.allowedHosts];
  config.basePath = normaliseBasePath(config.basePath);
  checkConfig(config);
  return config;
}

function parseTtl(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) {
    throw new InputError(`sessionTtl "${text}" must be a positive ISO duration such as PT30M`, 'sessionTtl');
  }
  return ms;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const shutdowns = new WeakMap<SandboxCore, { hung: HungConnections; abort: AbortController }>();

/**
 * Build a sandbox without listening: for supertest, or a server of your own.
 * Throws ConfigError, SeedError, ScenarioError or StoreError with a message naming the problem.
 */
export function createSandbox(options: SandboxOptions = {}): CreatedSandbox {
  const config = resolveConfig(options, {});
  const seedDir = resolve(config.seed ?? bundledSeedDir());
  const seed = stampedSeed(seedDir) ?? loadSeed(seedDir);
  const scenario = config.scenario ? loadScenario(config.scenario) : undefined;
  const store = config.db ? new FileStore(config.db, seed.fingerprint, config.fsync) : new MemoryStore();
  const document = store.load();
  let core: SandboxCore;
  try {
    core = new SandboxCore({ config, seed, store, ...(scenario ? { scenario } : {}) }, document);
  } catch (error) {
    void store.close(); // releases the --db lock
    throw error;
  }
  const hung = new HungConnections();
  const abort = new AbortController();
  shutdowns.set(core, { hung, abort });
  const app = createApp({ core, hung, shutdown: abort.signal, publicDir: PUBLIC_DIR });
  return {
    app,
    core,
    async close() {
      abort.abort();
      hung.cutAll();
      await store.close();
    },
  };
}

export interface SessionHandle {
  id: string;
  /** Send these with every request of the session. */
  headers: Record<string, string>;
  reset(): Promise<void>;
  state(): ReturnType<typeof stateView>;
  requests(limit?: number): JournalEntry[];
}

export interface RunningSandbox {
  /** The origin, e.g. http://127.0.0.1:53211 (where /_admin lives). */
  url: string;
  /** Origin + base path: where FHIR calls go. */
  fhirBase: string;
  port: number;
  core: SandboxCore;
  reset(): Promise<void>;
  close(): Promise<void>;
  /** Validates the rule (an InputError naming the field if it is bad) and arms it on the default state. */
  armFault(rule: FaultRule | Record<string, unknown>): Promise<void>;
  disarmFault(name: string): boolean;
  state(): ReturnType<typeof stateView>;
  requests(limit?: number): JournalEntry[];
  setClock(change: ClockChange): Promise<{ now: string; frozen: boolean }>;
  /** A fresh, valid GP Connect envelope for an interaction (e.g. 'create:appointment-1'). */
  headers(interaction: string): Record<string, string>;
  session(id: string): SessionHandle;
}

/** Start a sandbox on a port (0, a free one, by default) and resolve once it accepts connections. */
export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const created = createSandbox({ port: 0, ...options });
  const { core } = created;
  let server: Awaited<ReturnType<typeof listen>>;
  try {
    server = await listen(created.app, core.config, () => shutdowns.get(core)?.hung.cutAll());
  } catch (error) {
    await created.close();
    throw error;
  }
  const fhirBase = `${server.origin}${core.config.basePath}`;
  const worldHandle = (world: () => World) => ({
    async reset() {
      world().reset();
      await core.persist(world());
    },
    state: () => stateView(core, world(), 14),
    requests: (limit?: number) => world().journal.list(limit),
  });
  const defaults = worldHandle(() => core.defaultWorld);
  let closed: Promise<void> | undefined;
  return {
    url: server.origin,
    fhirBase,
    port: server.port,
    core,
    ...defaults,
    close() {
      closed ??= (async () => {
        await server.close();
        await created.close();
      })();
      return closed;
    },
    async armFault(rule) {
      const parsed = parseRule(rule, 'armFault');
      if ('problems' in parsed)
        throw new InputError(
          parsed.problems.map((p) => `${p.field}: ${p.message}`).join('; '),
          parsed.problems[0]?.field,
        );
      core.defaultWorld.faults.arm(parsed.rule);
    },
    disarmFault: (name) => core.defaultWorld.faults.disarm(name),
    setClock: (change) => changeClock(core, change),
    headers: (interaction) =>
      buildEnvelope(interaction, { providerAsid: core.config.providerAsid, aud: fhirBase }),
    session(id) {
      core.world(id);
      return { id, headers: { 'X-Sandbox-Session': id }, ...worldHandle(() => core.world(id)) };
    },
  };
}
