import type { SandboxConfig } from '../config.js';
import { Clock } from '../domain/clock.js';
import { Directory } from '../domain/directory.js';
import { parseZonedInstant } from '../domain/instant.js';
import type { Seed } from '../domain/model.js';
import { SlotCalendar } from '../domain/slots.js';
import { SandboxState } from '../domain/state.js';
import { FaultEngine } from '../faults/engine.js';
import type { FaultRule, Scenario } from '../faults/rule.js';
import { PROFILES, type Profile, statusFor } from '../profiles/index.js';
import { RedisJournalStore } from '../store/redis/journal-store.js';
import { type RedisStore, worldKey } from '../store/redis/redis-store.js';
import { SCHEMA_VERSION, type StateStore, type StoreDocument, StoreError } from '../store/store.js';
import type { Application, CommitOptions } from './application.js';
import { checkDocument, type DocumentContext } from './document.js';
import type { Generation } from './generation.js';
import { InputError } from './input-error.js';
import { JournalBudget } from './journal.js';
import { LocalWorlds } from './local-worlds.js';
import { Sessions } from './sessions.js';
import { SharedJournal } from './shared-journal.js';
import { SharedWorlds } from './shared-worlds.js';
import { Tallies } from './tallies.js';
import { World } from './world.js';
import type { OpenOptions, StoreHealth, WorldStore } from './world-store.js';

export interface CoreParts {
  config: SandboxConfig;
  seed: Seed;
  store: StateStore;
  /** `--db redis://…`: every world lives in Redis, shared with the other replicas (opened already). */
  shared?: RedisStore;
  scenario?: { name: string; scenario: Scenario };
  /** Real time source (epoch ms) under the sandbox clock; tests may replace it. */
  realNow?: () => number;
  /** Monotonic ms for session idle time (performance.now by default); tests may replace it. */
  monotonicNow?: () => number;
}

/** A --db file that parses but holds damaged state is refused, never served (nor overwritten). */
function checkStoredDocument(
  context: DocumentContext,
  document: StoreDocument,
  path: string | undefined,
): void {
  try {
    checkDocument(context, document);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    throw new StoreError(`--db ${path}: ${error.message}; it was left untouched.`);
  }
}

/**
 * Everything one running sandbox holds: the immutable seed and its indexes, the one clock, the
 * store, the default world and the sessions; the Application (application.ts) http/ works through.
 * Only the composition root (src/index.ts) builds one. Nothing here knows HTTP.
 */
export class SandboxCore implements Application {
  readonly config: SandboxConfig;
  readonly profile: Profile;
  readonly seed: Seed;
  readonly directory: Directory;
  readonly calendar: SlotCalendar;
  readonly clock: Clock;
  readonly store: StateStore;
  readonly defaultWorld: World;
  readonly sessions: Sessions;
  /** Counts since start for GET /_admin/metrics. */
  readonly tallies = new Tallies();
  /** The bytes every journal keeps, together (--journal-budget). */
  readonly journalBudget: JournalBudget;
  private readonly baseFaults: FaultEngine;
  scenarioName: string | null;
  /** Where the worlds live and how their changes become durable: memory, --db FILE or Redis (world-store.ts). */
  readonly worlds: WorldStore;

  constructor(parts: CoreParts, document?: StoreDocument) {
    this.config = parts.config;
    this.profile = PROFILES[parts.config.profile];
    this.seed = parts.seed;
    this.directory = new Directory(parts.seed);
    this.calendar = new SlotCalendar(parts.seed);
    if (document) checkStoredDocument(this, document, parts.store.path);
    this.clock = new Clock(parts.realNow, document?.clock);
    if (!document && parts.config.clock) this.clock.freeze(parseZonedInstant(parts.config.clock)!);
    this.store = parts.store;
    this.baseFaults = new FaultEngine({
      randomSeed: parts.scenario?.scenario.randomSeed ?? parts.config.randomSeed,
      // So explain() and the admin list show the status this profile answers with.
      statusOf: (code) => statusFor(this.profile, code),
    });
    this.scenarioName = parts.scenario?.name ?? null;
    this.baseFaults.setScenario(this.scenarioName, parts.scenario?.scenario);
    const state = document ? SandboxState.from(document.state) : new SandboxState();
    this.journalBudget = new JournalBudget(parts.config.journalBudgetBytes);
    const journalStore = parts.shared
      ? new RedisJournalStore({
          client: parts.shared.client,
          prefix: parts.shared.prefix,
          capacity: parts.config.journalSize,
          budgetBytes: parts.config.journalBudgetBytes,
        })
      : undefined;
    const journalOf = (id: string | undefined) =>
      journalStore
        ? new SharedJournal(
            parts.config.journalSize,
            this.journalBudget,
            journalStore,
            worldKey(id),
            (error) => parts.config.log?.('warn', `the journal in Redis missed an entry: ${error.message}`),
          )
        : undefined;
    this.defaultWorld = new World(
      undefined,
      this.baseFaults.clone(),
      parts.config.journalSize,
      state,
      this.journalBudget,
      journalOf(undefined),
    );
    this.sessions = new Sessions(
      (id) =>
        new World(
          id,
          this.baseFaults.clone(),
          parts.config.journalSize,
          new SandboxState(),
          this.journalBudget,
          journalOf(id),
        ),
      parts.config.sessionTtlMs,
      // Shared: Redis counts the sessions of every replica; this map only holds copies.
      parts.shared ? Number.POSITIVE_INFINITY : parts.config.maxSessions,
      parts.monotonicNow,
    );
    this.worlds = parts.shared
      ? new SharedWorlds(parts.shared, {
          defaultWorld: this.defaultWorld,
          sessions: this.sessions,
          sessionTtlMs: parts.config.sessionTtlMs,
          maxSessions: parts.config.maxSessions,
          applyClock: (state) => this.clock.restore(state),
          applyBaseScenario: (name, scenario) => {
            this.scenarioName = name;
            this.baseFaults.setScenario(name, scenario);
          },
          resetFaults: (world) => {
            world.faults.setScenario(this.scenarioName, this.baseFaults.scenario);
            world.faults.reset();
          },
          ...(parts.config.log ? { log: parts.config.log } : {}),
          dropSession: (id, expired) => {
            this.sessions.drop(id);
            if (expired) journalStore?.drop(worldKey(id)).catch(() => {});
          },
        })
      : new LocalWorlds(
          this.defaultWorld,
          this.sessions,
          parts.store,
          () => this.snapshot(),
          () => this.clock.snapshot(),
          (state) => this.clock.restore(state),
        );
  }

  /**
   * The world of a request that may yet be refused: the default one, or an existing session's
   * (undefined when there is none; none is made). Up to date with a shared store
   * (StoreUnavailable when it cannot be reached).
   */
  peekWorld(sessionId: string | undefined): Promise<World | undefined> {
    return this.worlds.peek(sessionId);
  }

  /**
   * The world of an accepted request: its session's (made on first use; SpineError 429 beyond
   * --max-sessions) or the default one, up to date with a shared store.
   */
  openWorld(sessionId: string | undefined, options?: OpenOptions): Promise<World> {
    return this.worlds.open(sessionId, options);
  }

  /**
   * Run a command on `world` and commit it: the one place a world changes. `command` validates
   * against the world and changes it (synchronously, before any await: SandboxState.recording)
   * and does nothing else; then the change is made durable through the world's store (`commit`).
   * When the command throws, or the commit fails, every change it made to the world's state is
   * taken back (its undo log), so nothing half-done stays or is acknowledged. In memory and
   * --db FILE it runs at once (file writes are group-committed); on a shared store it runs under
   * the world's lock and again on a fresh copy when another replica changed the world first.
   * Throws what the command throws, RequestCancelled when `generation` ended meanwhile,
   * StoreUnavailable when Redis is away, or the file store's error when the write failed.
   */
  execute<T>(
    world: World,
    generation: Generation | undefined,
    command: () => T,
    options: CommitOptions<Awaited<T>> = {},
  ): Promise<Awaited<T>> {
    return this.worlds.execute(world, generation, async (): Promise<Awaited<T>> => {
      // The fault engine is not in the state's undo log: its state is kept aside instead (a few
      // rules), so a reset whose write fails leaves the faults as they were too. Not for a
      // faults-only command (every request's fault selection): a local store never writes faults,
      // and a shared store re-reads a copy whose commit failed.
      const faultsBefore = world.faults.revision;
      const faults = options.faultsOnly ? undefined : world.faults.exportState();
      const change = world.state.recording(command);
      try {
        const value = await change.value;
        if (options.changedNothing?.(value)) return value;
        if (options.faultsOnly) await this.worlds.commitFaults(world);
        else await this.worlds.commit(world, options);
        return value;
      } catch (error) {
        change.rollback();
        if (faults && world.faults.revision !== faultsBefore) world.faults.importState(faults);
        throw error;
      }
    });
  }

  /** Every world: the default one and each session's (on a shared store, every replica's sessions). */
  async allWorlds(options?: OpenOptions): Promise<World[]> {
    return [await this.openWorld(undefined, options), ...(await this.worlds.sessionWorlds(options))];
  }

  /**
   * Back to the seed (World.reset), committed: a new generation everywhere the world is served.
   */
  async resetWorld(world: World): Promise<void> {
    await this.execute(world, undefined, () => world.reset(), { newGeneration: true });
  }

  /** Arm a validated rule on a world (FaultEngine.arm), committed. */
  async armFault(world: World, rule: FaultRule): Promise<void> {
    await this.execute(world, undefined, () => world.faults.arm(rule), { faultsOnly: true });
  }

  /** Disarm a rule by name on a world, committed; false when no such rule is armed (nothing written). */
  async disarmFault(world: World, name: string): Promise<boolean> {
    return this.execute(world, undefined, () => world.faults.disarm(name), {
      faultsOnly: true,
      changedNothing: (disarmed) => !disarmed,
    });
  }

  /** Disarm every rule armed on a world, committed; the names that were armed. */
  async disarmAllFaults(world: World): Promise<string[]> {
    return this.execute(
      world,
      undefined,
      () => {
        const armed = world.faults.list().map((rule) => rule.name);
        world.faults.disarmAll();
        return armed;
      },
      { faultsOnly: true },
    );
  }

  /**
   * Move the sandbox clock (`change` calls Clock.freeze/advance/real) and make it durable and
   * shared; when that fails the clock is put back as it was and the store's error is thrown.
   */
  async changeClock(change: (clock: Clock) => void): Promise<void> {
    // On a shared store `change` runs on the clock as stored (another replica may have moved it),
    // so concurrent advances add up; `change` may throw to refuse (a clock out of range).
    await this.worlds.updateClock(this.clock.snapshot(), (stored) => {
      const clock = new Clock(() => this.clock.realNow(), stored);
      change(clock);
      return clock.snapshot();
    });
  }

  /**
   * GET /_admin/health: `{status: 'ok'}` in memory and --db FILE; on a shared store also
   * `store: 'redis'`, and `status: 'degraded'` with the problem while Redis cannot be reached.
   */
  health(): Promise<StoreHealth> {
    return this.worlds.health();
  }

  /** The world a request works on: its session's, or the default. */
  world(sessionId: string | undefined): World {
    return sessionId === undefined ? this.defaultWorld : this.sessions.get(sessionId);
  }

  /**
   * A fresh copy of the scenario's rules, as a new session starts with: for a refused request
   * naming a session that does not exist yet (it is not made for a refused request).
   */
  scenarioFaults(): FaultEngine {
    return this.baseFaults.clone();
  }

  /** Switch the active scenario; every world's faults go back to the new scenario's. */
  async setScenario(name: string | null, scenario?: Scenario): Promise<void> {
    await this.worlds.saveGlobal('scenario', JSON.stringify(name === null ? null : { name, scenario }));
    this.scenarioName = name;
    this.baseFaults.setScenario(name, scenario);
    for (const world of await this.allWorlds()) await this.setWorldScenario(world, name, scenario);
  }

  /** One world's faults go back to a scenario's rules (admin-armed ones stay), committed. */
  async setWorldScenario(world: World, name: string | null, scenario?: Scenario): Promise<void> {
    await this.execute(world, undefined, () => world.faults.setScenario(name, scenario), {
      faultsOnly: true,
    });
  }

  /** Names of the scenarios active in the default state or any session. */
  activeScenarioNames(): Set<string> {
    const names = new Set<string>();
    for (const world of [this.defaultWorld, ...this.sessions.all()]) {
      if (world.faults.scenarioName !== null) names.add(world.faults.scenarioName);
    }
    return names;
  }

  /**
   * Hot reload (--watch): replace the rules of scenario `name` wherever it is active, in one step
   * per world; admin-armed rules stay. Worlds on another scenario, or none, are left alone. On a
   * shared store the reload is committed, so every replica serves it (StoreUnavailable otherwise).
   */
  async reloadScenario(name: string, scenario: Scenario): Promise<void> {
    if (this.scenarioName === name) {
      // On a shared store every replica's new sessions start from the reloaded rules too.
      await this.worlds.saveGlobal('scenario', JSON.stringify({ name, scenario }));
      this.baseFaults.setScenario(name, scenario);
    }
    for (const world of await this.allWorlds()) {
      if (world.faults.scenarioName === name) await this.setWorldScenario(world, name, scenario);
    }
  }

  /** A world's state as the --db file and GET /_admin/snapshot hold it (the clock is shared). */
  snapshot(world: World = this.defaultWorld): StoreDocument {
    return {
      schemaVersion: SCHEMA_VERSION,
      seed: this.seed.fingerprint,
      clock: this.clock.snapshot(),
      state: world.state.toPersisted(),
    };
  }

  /**
   * Replace a world's state wholesale (PUT /_admin/snapshot): requests admitted before are cut.
   * The default world takes the document's clock too (the clock is shared by every world).
   */
  async importDocument(world: World, document: StoreDocument): Promise<void> {
    await this.execute(
      world,
      undefined,
      () => {
        // Requests admitted under the state being replaced must not commit into the imported one.
        world.newGeneration('reset (snapshot import)');
        world.state.replaceWith(SandboxState.from(document.state));
        if (world === this.defaultWorld) this.clock.restore(document.clock);
      },
      { newGeneration: true },
    );
    // The file took the clock with the state; a shared store keeps it apart.
    if (world === this.defaultWorld && this.worlds.kind === 'redis') {
      await this.worlds.saveGlobal('clock', JSON.stringify(this.clock.snapshot()));
    }
  }
}
