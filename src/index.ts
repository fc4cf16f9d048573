import type { RequestListener } from 'node:http';
import { resolve } from 'node:path';
import type { Express } from 'express';
import { type ClockChange, changeClock } from './application/clock-control.js';
import { SandboxCore } from './application/core.js';
import { registerCore } from './application/handles.js';
import { InputError } from './application/input-error.js';
import type { JournalEntry } from './application/journal.js';
import type { World } from './application/world.js';
import { buildEnvelope } from './auth/build-headers.js';
import type { SandboxConfig, SandboxOptions } from './config.js';
import { ConfigError } from './config.js';
import { resolveOptions } from './config-schema.js';
import { parseZonedInstant } from './domain/instant.js';
import { HungConnections } from './faults/apply.js';
import type { ListedRule } from './faults/engine.js';
import { type FaultRule, parseRule } from './faults/rule.js';
import { watchScenarios } from './faults/scenario-watch.js';
import { loadScenario } from './faults/scenarios.js';
import { stateView } from './http/admin-state.js';
import { createApp } from './http/app.js';
import { listen } from './http/server.js';
import { PUBLIC_DIR } from './paths.js';
import { loadSeed } from './seeding/loader.js';
import { bundledSeedDir, stampedSeed } from './seeding/seed-files.js';
import type { StateView } from './state-view.js';
import { FileStore } from './store/file-store.js';
import { DEFAULT_REDIS_PREFIX, RedisStore } from './store/redis/redis-store.js';
import { isRedisUrl, parseRedisUrl, type RedisTarget } from './store/redis/redis-url.js';
import { MemoryStore, SCHEMA_VERSION } from './store/store.js';

export type { ClockChange } from './application/clock-control.js';
export { InputError } from './application/input-error.js';
export type { JournalEntry } from './application/journal.js';
export { buildEnvelope } from './auth/build-headers.js';
export type { AuthMode, Logger, SandboxConfig, SandboxOptions } from './config.js';
export { ConfigError } from './config.js';
export type { ListedRule } from './faults/engine.js';
export type { FaultRule } from './faults/rule.js';
export type { StateView } from './state-view.js';

/** A sandbox that does not listen: hand `app` to supertest or to a server of your own. */
export interface CreatedSandbox {
  /** The request handler (an Express app): http.createServer(app), or supertest's request(app). */
  app: RequestListener;
  /** Flush the store and cut hung fault connections. */
  close(): Promise<void>;
}

const shutdowns = new WeakMap<SandboxCore, { hung: HungConnections; abort: AbortController }>();

/**
 * Build a sandbox without listening: for supertest, or a server of your own.
 * Throws ConfigError naming a bad option (the CLI's own checks), SeedError, ScenarioError or
 * StoreError with a message naming the problem.
 */
export function createSandbox(options: SandboxOptions = {}): CreatedSandbox {
  const config = resolveOptions(options);
  if (config.db !== undefined && isRedisUrl(config.db)) {
    throw ConfigError.forOption(
      'db',
      'redis://… needs startSandbox(): the shared store is connected and checked before anything is served',
    );
  }
  const { app, core, close } = build(config);
  return registerCore({ app, close }, core);
}

/** What build() makes: the public handle's parts plus the core behind them. */
interface Built {
  app: Express;
  core: SandboxCore;
  close(): Promise<void>;
}

/** The seed and scenario a config names, loaded (SeedError, ScenarioError). */
function loadInputs(config: SandboxConfig) {
  const seedDir = resolve(config.seed ?? bundledSeedDir());
  const seed = stampedSeed(seedDir) ?? loadSeed(seedDir);
  const scenario = config.scenario ? loadScenario(config.scenario) : undefined;
  return { seed, scenario };
}

/**
 * `--db redis://…`: connect, and check (or on first use write) what the prefix holds state for.
 * Throws StoreError when Redis cannot be reached or holds another seed's, schema's or profile's state.
 */
async function openShared(config: SandboxConfig, inputs: ReturnType<typeof loadInputs>): Promise<RedisStore> {
  const target = parseRedisUrl(config.db!) as RedisTarget;
  const store = new RedisStore(
    target,
    config.redisPrefix ?? DEFAULT_REDIS_PREFIX,
    { schemaVersion: SCHEMA_VERSION, seed: inputs.seed.fingerprint, profile: config.profile },
    config.log,
  );
  const clock = config.clock ? { frozenAt: parseZonedInstant(config.clock)!, offsetMs: 0 } : { offsetMs: 0 };
  const scenario = inputs.scenario
    ? { name: inputs.scenario.name, scenario: inputs.scenario.scenario }
    : null;
  try {
    await store.open(JSON.stringify(clock), JSON.stringify(scenario));
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

function build(
  config: SandboxConfig,
  inputs: ReturnType<typeof loadInputs> = loadInputs(config),
  shared?: RedisStore,
): Built {
  const { seed, scenario } = inputs;
  const store =
    config.db && !shared ? new FileStore(config.db, seed.fingerprint, config.fsync) : new MemoryStore();
  const document = store.load();
  let core: SandboxCore;
  try {
    core = new SandboxCore(
      { config, seed, store, ...(scenario ? { scenario } : {}), ...(shared ? { shared } : {}) },
      document,
    );
  } catch (error) {
    void store.close(); // releases the --db lock
    void shared?.close();
    throw error;
  }
  const hung = new HungConnections();
  const abort = new AbortController();
  shutdowns.set(core, { hung, abort });
  const app = createApp({ core, hung, shutdown: abort.signal, publicDir: PUBLIC_DIR });
  const watcher = config.watch
    ? watchScenarios({
        ...(config.scenario ? { startedWith: config.scenario } : {}),
        activeNames: () => core.activeScenarioNames(),
        reload: (name, scenario) =>
          void core
            .reloadScenario(name, scenario)
            .catch((error: Error) =>
              config.log?.('warn', `--watch: ${name} was not reloaded: ${error.message}`),
            ),
        ...(config.log ? { log: config.log } : {}),
      })
    : undefined;
  return {
    app,
    core,
    async close() {
      watcher?.close();
      abort.abort();
      hung.cutAll();
      await store.close();
      await shared?.close();
    },
  };
}

/** One world (the default state or a session's) seen from code. */
export interface WorldHandle {
  /** Back to the seed: appointments, fixtures, held slots, armed faults and the journal go. */
  reset(): Promise<void>;
  /** What GET /_admin/state returns for this world (slots for the next 14 days). */
  state(): StateView;
  /** The request journal, newest first (at most `limit` entries). */
  requests(limit?: number): JournalEntry[];
  /**
   * Validate a fault rule (docs/faults.md; an InputError naming the field if it is bad) and arm
   * it on this world only: a session's rule never fires for another session or the default state.
   */
  armFault(rule: FaultRule | Record<string, unknown>): Promise<void>;
  /** Disarm a rule by name; false when no such rule is armed. */
  disarmFault(name: string): boolean;
  /** Armed rules in the order they are tried, with what each does and how many times it may still fire. */
  faults(): ListedRule[];
}

/** A session (X-Sandbox-Session) of a running sandbox: its own state, faults and journal. */
export interface SessionHandle extends WorldHandle {
  id: string;
  /** Send these with every request of the session. */
  headers: Record<string, string>;
}

/** A listening sandbox; its own methods (reset, state, armFault, ...) act on the default state. */
export interface RunningSandbox extends WorldHandle {
  /** The origin, e.g. http://127.0.0.1:53211 (where /_admin lives). */
  url: string;
  /** Origin + base path: where FHIR calls go. */
  fhirBase: string;
  /** The port it is bound to (a free one when started with port 0). */
  port: number;
  /** Stop accepting, let requests in flight finish (up to 5 s), flush the store. */
  close(): Promise<void>;
  setClock(change: ClockChange): Promise<{ now: string; frozen: boolean }>;
  /** A fresh, valid GP Connect envelope for an interaction (e.g. 'create:appointment-1'). */
  headers(interaction: string): Record<string, string>;
  /** A session's handle; the session is made now if it does not exist. */
  session(id: string): SessionHandle;
}

/** Start a sandbox on a port (0, a free one, by default) and resolve once it accepts connections. */
export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const config = resolveOptions(options, { port: 0 });
  const inputs = loadInputs(config);
  const shared =
    config.db !== undefined && isRedisUrl(config.db) ? await openShared(config, inputs) : undefined;
  const created = build(config, inputs, shared);
  const { core } = created;
  let server: Awaited<ReturnType<typeof listen>>;
  try {
    server = await listen(created.app, core.config, () => shutdowns.get(core)?.hung.cutAll());
  } catch (error) {
    await created.close();
    throw error;
  }
  const fhirBase = `${server.origin}${core.config.basePath}`;
  const worldHandle = (world: () => World): WorldHandle => ({
    async reset() {
      await core.resetWorld(world());
    },
    state: () => stateView(core, world(), 14),
    requests: (limit?: number) => world().journal.list(limit),
    async armFault(rule) {
      const parsed = parseRule(rule, 'armFault');
      if ('problems' in parsed)
        throw new InputError(
          parsed.problems.map((p) => `${p.field}: ${p.message}`).join('; '),
          parsed.problems[0]?.field,
        );
      await core.armFault(world(), parsed.rule);
    },
    disarmFault(name) {
      // A command like any other (Application.execute): in memory and --db FILE it applies before
      // this returns; on a shared store this replica's copy answers and it commits in the background.
      const armed = world()
        .faults.exportState()
        .admin.concat(world().faults.exportState().scenarioRules)
        .some((a) => a.rule.name === name);
      void core.disarmFault(world(), name).catch((error: Error) => core.config.log?.('warn', error.message));
      return armed;
    },
    faults: () => world().faults.list(),
  });
  const defaults = worldHandle(() => core.defaultWorld);
  let closed: Promise<void> | undefined;
  return registerCore<RunningSandbox>(
    {
      url: server.origin,
      fhirBase,
      port: server.port,
      ...defaults,
      close() {
        closed ??= (async () => {
          await server.close();
          await created.close();
        })();
        return closed;
      },
      setClock: (change) => changeClock(core, change),
      headers: (interaction) =>
        buildEnvelope(interaction, { providerAsid: core.config.providerAsid, aud: fhirBase }),
      session(id) {
        core.world(id);
        return { id, headers: { 'X-Sandbox-Session': id }, ...worldHandle(() => core.world(id)) };
      },
    },
    core,
  );
}
