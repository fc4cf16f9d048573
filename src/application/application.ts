import type { SandboxConfig } from '../config.js';
import type { Clock } from '../domain/clock.js';
import type { Directory } from '../domain/directory.js';
import type { Seed } from '../domain/model.js';
import type { SlotCalendar } from '../domain/slots.js';
import type { FaultEngine } from '../faults/engine.js';
import type { FaultRule, Scenario } from '../faults/rule.js';
import type { Profile } from '../profiles/index.js';
import type { StoreDocument } from '../store/store.js';
import type { Generation } from './generation.js';
import type { JournalBudget } from './journal.js';
import type { Sessions } from './sessions.js';
import type { Tallies } from './tallies.js';
import type { World } from './world.js';
import type { OpenOptions, StoreHealth } from './world-store.js';

/**
 * How a command's change is made durable (Application.execute): `newGeneration` for a reset or
 * snapshot import (the whole world is written and the other replicas cut their requests in it);
 * `faultsOnly` when only fault counters and draws moved (written to a shared store only).
 */
export interface CommitOptions<T = unknown> {
  newGeneration?: boolean;
  faultsOnly?: boolean;
  /** True when the command's result says it changed nothing: then nothing is written. */
  changedNothing?: (value: T) => boolean;
}

/**
 * The application layer as http/ (FHIR handlers, the pipeline, fault runs, admin routes) sees it:
 * the running sandbox's immutable seed and indexes, the one clock, its worlds, and the commands
 * that change them. Every change to a world goes through `execute` (or one of the named commands
 * built on it), which commits it through the world's store and takes it back when it cannot be
 * committed; nothing outside this layer persists or undoes anything. Reads use the world's state
 * directly. Implemented by SandboxCore (application/core.ts), which only the composition root
 * (src/index.ts) constructs.
 */
export interface Application {
  /** The options the sandbox runs with, validated (config.ts). */
  readonly config: SandboxConfig;
  /** The active profile's table of differences (profiles/). */
  readonly profile: Profile;
  /** The seed: practices, practitioners, locations, patients, schedules (immutable). */
  readonly seed: Seed;
  /** The seed's indexes by id and NHS number. */
  readonly directory: Directory;
  /** The generated slots, by id and by schedule. */
  readonly calendar: SlotCalendar;
  /** The sandbox clock every world shares (epoch ms; frozen, advanced or real). */
  readonly clock: Clock;
  /** The default world (no X-Sandbox-Session). */
  readonly defaultWorld: World;
  /** The sessions' worlds held by this process (on a shared store, copies). */
  readonly sessions: Sessions;
  /** Counts since start for GET /_admin/metrics. */
  readonly tallies: Tallies;
  /** The bytes every journal keeps, together (--journal-budget). */
  readonly journalBudget: JournalBudget;

  /**
   * The world of a request that may yet be refused: the default one, or an existing session's
   * (undefined when there is none; none is made). Throws StoreUnavailable when Redis is away.
   */
  peekWorld(sessionId: string | undefined): Promise<World | undefined>;
  /** The world of an accepted request, its session made on first use (SpineError 429 beyond --max-sessions). */
  openWorld(sessionId: string | undefined, options?: OpenOptions): Promise<World>;
  /** The world a request works on in this process: its session's (made on first use), or the default. */
  world(sessionId: string | undefined): World;
  /** Every world: the default one and each session's (on a shared store, every replica's). */
  allWorlds(options?: OpenOptions): Promise<World[]>;

  /**
   * Run a command on `world` and commit it: the one place a world changes. `command` validates
   * against the world and changes it synchronously (before any await), nothing else; its changes
   * are then committed through the world's store, and taken back when the command throws or the
   * commit fails. Throws what the command throws, RequestCancelled when `generation` ended
   * meanwhile, StoreUnavailable when a shared store is away, or the file store's write error.
   */
  execute<T>(
    world: World,
    generation: Generation | undefined,
    command: () => T,
    options?: CommitOptions<Awaited<T>>,
  ): Promise<Awaited<T>>;
  /** Back to the seed (World.reset), committed as a new generation: requests in flight are cut. */
  resetWorld(world: World): Promise<void>;
  /** Replace a world's state with a snapshot document (PUT /_admin/snapshot), committed as a new generation. */
  importDocument(world: World, document: StoreDocument): Promise<void>;
  /** Arm a validated rule on a world, committed. */
  armFault(world: World, rule: FaultRule): Promise<void>;
  /** Disarm a rule by name, committed; false (nothing written) when no such rule is armed. */
  disarmFault(world: World, name: string): Promise<boolean>;
  /** Disarm every rule on a world, committed; the names that were armed. */
  disarmAllFaults(world: World): Promise<string[]>;
  /** Move the sandbox clock and make it durable; put back when that fails (the store's error is thrown). */
  changeClock(change: (clock: Clock) => void): Promise<void>;
  /** Switch the active scenario; every world's faults go back to the new scenario's. */
  setScenario(name: string | null, scenario?: Scenario): Promise<void>;
  /** One world's faults go back to a scenario's rules (admin-armed ones stay), committed. */
  setWorldScenario(world: World, name: string | null, scenario?: Scenario): Promise<void>;

  /** A fresh copy of the scenario's rules, for a refused request naming a session not made yet. */
  scenarioFaults(): FaultEngine;
  /** Names of the scenarios active in the default state or any session. */
  activeScenarioNames(): Set<string>;
  /** A world's state as the --db file and GET /_admin/snapshot hold it (with the shared clock). */
  snapshot(world?: World): StoreDocument;
  /** GET /_admin/health: `ok`, or `degraded` with the problem while a shared store is away. */
  health(): Promise<StoreHealth>;
}
