import type { SandboxConfig } from '../config.js';
import { Clock } from '../domain/clock.js';
import { Directory } from '../domain/directory.js';
import { parseZonedInstant } from '../domain/instant.js';
import type { Seed } from '../domain/model.js';
import { SlotCalendar } from '../domain/slots.js';
import { SandboxState } from '../domain/state.js';
import { FaultEngine } from '../faults/engine.js';
import type { Scenario } from '../faults/rule.js';
import { PROFILES, type Profile, statusFor } from '../profiles/index.js';
import { SCHEMA_VERSION, type StateStore, type StoreDocument, StoreError } from '../store/store.js';
import { checkDocument, type DocumentContext } from './document.js';
import { InputError } from './input-error.js';
import { JournalBudget } from './journal.js';
import { Sessions } from './sessions.js';
import { Tallies } from './tallies.js';
import { World } from './world.js';

export interface CoreParts {
  config: SandboxConfig;
  seed: Seed;
  store: StateStore;
  scenario?: { name: string; scenario: Scenario };
  /** Real time source (epoch ms) under the sandbox clock; tests may replace it. */
  realNow?: () => number;
  /** Monotonic ms for session idle time (performance.now by default); tests may replace it. */
  monotonicNow?: () => number;
}

/**
 * Everything one running sandbox holds: the immutable seed and its indexes, the one clock, the
 * store, the default world and the sessions. http/ reads and changes it; nothing here knows HTTP.
 */
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

export class SandboxCore {
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
    this.defaultWorld = new World(
      undefined,
      this.baseFaults.clone(),
      parts.config.journalSize,
      state,
      this.journalBudget,
    );
    this.sessions = new Sessions(
      (id) =>
        new World(
          id,
          this.baseFaults.clone(),
          parts.config.journalSize,
          new SandboxState(),
          this.journalBudget,
        ),
      parts.config.sessionTtlMs,
      parts.config.maxSessions,
      parts.monotonicNow,
    );
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
  setScenario(name: string | null, scenario?: Scenario): void {
    this.scenarioName = name;
    this.baseFaults.setScenario(name, scenario);
    for (const world of [this.defaultWorld, ...this.sessions.all()]) world.faults.setScenario(name, scenario);
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
   * per world; admin-armed rules stay. Worlds on another scenario, or none, are left alone.
   */
  reloadScenario(name: string, scenario: Scenario): void {
    if (this.scenarioName === name) this.baseFaults.setScenario(name, scenario);
    for (const world of [this.defaultWorld, ...this.sessions.all()]) {
      if (world.faults.scenarioName === name) world.faults.setScenario(name, scenario);
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

  /** Make the default world's state durable (no-op in memory); sessions are never persisted. */
  async persist(world: World): Promise<void> {
    if (world !== this.defaultWorld) return;
    await this.store.save(() => {
      const appointments = world.state.takeChanges();
      return {
        ...(appointments
          ? {
              delta: {
                appointments,
                nextAppointmentId: world.state.nextAppointmentId,
                clock: this.clock.snapshot(),
              },
            }
          : {}),
        document: () => this.snapshot(),
      };
    });
  }

  /** Replace the default state wholesale (PUT /_admin/snapshot). */
  async importDocument(document: StoreDocument): Promise<void> {
    this.defaultWorld.state.replaceWith(SandboxState.from(document.state));
    this.clock.restore(document.clock);
    await this.persist(this.defaultWorld);
  }
}
