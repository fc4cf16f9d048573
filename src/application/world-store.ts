import type { ClockState } from '../domain/clock.js';
import type { Generation } from './generation.js';
import type { World } from './world.js';

/**
 * `ignoreDamage`: for a reset, which overwrites the world: a world whose stored state is damaged
 * (a shared store's key holding something else) is opened empty instead of refused.
 */
export interface OpenOptions {
  ignoreDamage?: boolean;
}

/** GET /_admin/health: `ok`, or `degraded` with why (a shared store cannot be reached). */
export interface StoreHealth {
  status: 'ok' | 'degraded';
  /** Only for a shared store: `redis`. */
  store?: 'redis';
  problem?: string;
}

/**
 * Where the worlds live and how a change to one becomes durable: the one interface the three
 * stores sit behind, as peers.
 * - memory (application/local-worlds.ts, no file): nothing to write;
 * - `--db FILE` (local-worlds.ts over store/file-store.ts): the default world's state, written
 *   before a change is acknowledged;
 * - `--db redis://…` (application/shared-worlds.ts over store/redis/): every world, session, fault
 *   count, the clock, the scenario and the journal, shared by every replica.
 * SandboxCore.execute is the one caller of `execute` and `commit`: it runs each command inside
 * `execute`, commits it, and takes the command's changes back when either fails; requests reach a
 * world through `peek`/`open`, which bring a shared copy up to date first.
 */
export interface WorldStore {
  readonly kind: 'memory' | 'file' | 'redis';
  /** The default world, or an existing session's (none is made); undefined when there is none. */
  peek(sessionId: string | undefined): Promise<World | undefined>;
  /** The default world, or a session's, made on first use (SpineError 429 beyond --max-sessions). */
  open(sessionId: string | undefined, options?: OpenOptions): Promise<World>;
  /**
   * Run one attempt of a command on a world (`run`: SandboxCore.execute's command and commit). A
   * local store runs it at once; a shared store runs it under the world's lock and again on a
   * fresh copy after a CommitConflict (RequestCancelled when `generation` ended meanwhile).
   */
  execute<T>(world: World, generation: Generation | undefined, run: () => T | Promise<T>): Promise<T>;
  /** Make a world's changes durable (throws CommitConflict on a shared store another replica changed first). */
  commit(world: World, options?: { newGeneration?: boolean }): Promise<void>;
  /** Make a world's fault state durable: a shared store only (faults are never written to a file). */
  commitFaults(world: World): Promise<void>;
  /** Every session's world (on a shared store, every replica's). */
  sessionWorlds(options?: OpenOptions): Promise<World[]>;
  /** Make the sandbox clock or the active scenario durable and shared (JSON). */
  saveGlobal(field: 'clock' | 'scenario', json: string): Promise<void>;
  /**
   * Change the shared clock atomically: `change` gets the clock state as stored now and returns
   * the next one (it may throw to refuse); a shared store retries when another replica changed the
   * clock meanwhile, so concurrent advances all count. Resolves with the state stored.
   */
  updateClock(current: ClockState, change: (stored: ClockState) => ClockState): Promise<ClockState>;
  /** Asks the store (a shared one is pinged: a frozen Redis is degraded too). */
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}
