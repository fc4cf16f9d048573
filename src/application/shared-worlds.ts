import type { ClockState } from '../domain/clock.js';
import { type AppointmentRecord, compareAppointmentIds } from '../domain/model.js';
import { SandboxState, type StateMisc } from '../domain/state.js';
import type { FaultState } from '../faults/engine.js';
import type { Scenario } from '../faults/rule.js';
import { type RedisStore, type WorldRead, worldKey } from '../store/redis/redis-store.js';
import { StoreUnavailable } from '../store/store.js';
import { type Generation, stillCurrent } from './generation.js';
import { Sessions } from './sessions.js';
import type { SharedJournal } from './shared-journal.js';
import {
  isAppointmentRecord,
  isClockState,
  isFaultState,
  isStateMisc,
  isStoredScenario,
  parseStored,
  StoreDamaged,
} from './stored-shapes.js';
import type { World } from './world.js';
import type { OpenOptions, StoreHealth, WorldStore } from './world-store.js';

/**
 * A commit found the world changed by another replica since this one read it: the command is run
 * again on a fresh copy (SharedWorlds.execute), never half-applied.
 */
export class CommitConflict extends Error {
  override name = 'CommitConflict';
}

/** How often a command is tried again after conflicts before the client gets a 503. */
const MAX_ATTEMPTS = 50;

/** What SharedWorlds needs of the sandbox it serves (application/core.ts). */
export interface SharedHost {
  readonly defaultWorld: World;
  /** This replica's copies of the sessions' worlds (the authority on which exist is Redis). */
  readonly sessions: Sessions;
  applyClock(state: ClockState): void;
  /** The scenario new worlds start from changed (another replica's PUT /_admin/scenario). */
  applyBaseScenario(name: string | null, scenario: Scenario | undefined): void;
  /** Where errors about damaged keys go. */
  readonly log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Fresh fault rules for a world no replica has written faults for: the base scenario's. */
  resetFaults(world: World): void;
  readonly sessionTtlMs: number;
  readonly maxSessions: number;
  /**
   * Forget this replica's copy of a session: it is gone from Redis (`expired`: this replica's
   * call expired it, and drops its journal there too).
   */
  dropSession(id: string, expired: boolean): void;
}

/**
 * The application side of the Redis store (`--db redis://…`). Every world's authoritative state
 * is in Redis; this replica keeps a copy of each world it serves and
 * - brings it up to date when a request enters the world (`enter`, one round trip),
 * - runs every command on the copy and commits what changed only if nobody else changed the world
 *   meanwhile (`execute` + `commit`); on a conflict the copy is refreshed and the command run again,
 *   so of N concurrent bookings of one slot on N replicas exactly one succeeds,
 * - hears other replicas' resets (pub/sub) to cut the requests it holds for the old generation.
 * Commands on one world are serialised on this replica (`World.exclusive`), so a copy never holds
 * one request's uncommitted change while another's is committed.
 */
export class SharedWorlds implements WorldStore {
  readonly kind = 'redis';
  private globalsRev = '0';
  /** Keys found holding what is not the sandbox's state, with why (health says degraded). */
  private readonly damaged = new Map<string, string>();

  constructor(
    readonly store: RedisStore,
    private readonly host: SharedHost,
  ) {
    store.subscribe((message) => this.onEvent(message));
    store.onReconnect(() => {
      this.globalsRev = '0';
      for (const world of [host.defaultWorld, ...host.sessions.all()]) {
        world.replica = { gen: '', rev: -1, faultsRevision: -1 };
      }
    });
  }

  peek(sessionId: string | undefined): Promise<World | undefined> {
    return this.enter(sessionId, false);
  }

  async open(sessionId: string | undefined, options?: OpenOptions): Promise<World> {
    return (await this.enter(sessionId, true, options))!;
  }

  /** Fault counters and draws are shared like the rest of the world. */
  commitFaults(world: World): Promise<void> {
    return this.commit(world);
  }

  async health(): Promise<StoreHealth> {
    const health = await this.store.health();
    const damage = this.damaged.values().next().value;
    if (health.status === 'ok' && damage !== undefined)
      return { status: 'degraded', store: 'redis', problem: damage };
    return { ...health, store: 'redis' };
  }

  close(): Promise<void> {
    return this.store.close();
  }

  /**
   * The world a request works on, up to date: the default one, or a session's. A session that does
   * not exist is made when `create` (the request was accepted; SpineError 429 beyond
   * --max-sessions), else undefined. Throws StoreUnavailable when Redis cannot be reached.
   */
  async enter(
    sessionId: string | undefined,
    create: boolean,
    options?: OpenOptions,
  ): Promise<World | undefined> {
    // Before Redis hears of it: a bad id must never become a session (nor count against the cap).
    if (sessionId !== undefined) Sessions.checkId(sessionId);
    const local = sessionId === undefined ? this.host.defaultWorld : this.host.sessions.peek(sessionId);
    const ignoreDamage = options?.ignoreDamage === true;
    if (local) return local.exclusive(() => this.refresh(local, sessionId, create, false, ignoreDamage));
    return this.refresh(undefined, sessionId, create, false, ignoreDamage);
  }

  /** enter() for a world whose lock the caller holds (or that has no copy yet). */
  private async refresh(
    world: World | undefined,
    sessionId: string | undefined,
    create: boolean,
    retried = false,
    ignoreDamage = false,
  ): Promise<World | undefined> {
    const known = world?.replica ?? { gen: '', rev: -1 };
    const read = await this.store.enter({
      world: worldKey(sessionId),
      knownGen: known.gen,
      knownRev: known.rev,
      knownGlobalsRev: this.globalsRev,
      ...(sessionId !== undefined
        ? {
            session: {
              id: sessionId,
              create,
              ttlMs: this.host.sessionTtlMs,
              max: this.host.maxSessions,
            },
          }
        : {}),
    });
    if (read.status === 'lost') {
      // Redis was flushed under us: write what the state is for again, read everything afresh.
      if (retried) throw new StoreUnavailable('Redis lost the sandbox state twice in a row; retry');
      await this.store.recheckMeta();
      return this.refresh(world, sessionId, create, true, ignoreDamage);
    }
    this.applyGlobals(read);
    for (const id of read.expired) this.host.dropSession(id, true);
    if (read.status === 'absent') {
      if (sessionId !== undefined) this.host.dropSession(sessionId, false);
      return undefined;
    }
    if (read.status === 'full') throw Sessions.tooMany(this.host.maxSessions, this.host.sessionTtlMs);
    const target = world ?? this.host.sessions.get(sessionId!);
    if (target !== world) {
      // Another request made this replica's copy meanwhile: bring it in line under its lock.
      await target.exclusive(async () => this.applyChecked(target, read, known.gen, ignoreDamage));
    } else {
      this.applyChecked(target, read, known.gen, ignoreDamage);
    }
    return target;
  }

  /**
   * Take over the shared clock and scenario. A damaged one is reported (health degraded, the log)
   * and this replica keeps its own until PUT /_admin/clock or /_admin/scenario writes a good one.
   */
  private applyGlobals(read: WorldRead): void {
    const { globals } = read;
    if (globals.rev === this.globalsRev) return;
    const key = `${this.store.prefix}:globals`;
    this.damaged.delete(key);
    try {
      if (globals.clock !== undefined)
        this.host.applyClock(parseStored(`${key} clock`, globals.clock, isClockState));
      if (globals.scenario !== undefined) {
        const parsed = parseStored(`${key} scenario`, globals.scenario, isStoredScenario);
        this.host.applyBaseScenario(parsed?.name ?? null, parsed?.scenario);
      }
    } catch (error) {
      if (!(error instanceof StoreDamaged)) throw error;
      this.damaged.set(key, error.message);
      this.host.log?.('error', error.message);
    }
    this.globalsRev = globals.rev;
  }

  /**
   * apply(), with damage reported: a key holding what is not the sandbox's state makes the world
   * answer 503 naming the key (health degraded) until a reset overwrites it; `ignoreDamage` (that
   * reset) opens the world empty instead.
   */
  private applyChecked(world: World, read: WorldRead, baseGen: string, ignoreDamage: boolean): void {
    const key = `${this.store.prefix}:w:${worldKey(world.id)}`;
    try {
      this.apply(world, read, baseGen);
      this.damaged.delete(key);
    } catch (error) {
      if (!(error instanceof StoreDamaged)) throw error;
      this.damaged.set(key, error.message);
      this.host.log?.('error', error.message);
      world.replica = { ...world.replica, rev: -1 };
      if (!ignoreDamage) throw error;
      world.state.clear();
      this.host.resetFaults(world);
      world.state.markClean();
      world.replica = { gen: read.gen, rev: read.rev, faultsRevision: world.faults.revision };
    }
  }

  /** Bring a world's copy in line with what Redis returned (relative to `baseGen`, the gen asked with). */
  private apply(world: World, read: WorldRead, baseGen: string): void {
    const mine = world.replica;
    if (read.gen === mine.gen && read.rev <= mine.rev && mine.rev >= 0) return; // already newer
    if (read.kind === 'delta' && baseGen !== mine.gen) {
      // A delta against a copy this one no longer is: read it whole next time.
      world.replica = { ...mine, rev: -1 };
      return;
    }
    if (read.kind === 'same') {
      // Unchanged since the copy asked, but the copy was marked stale meanwhile (another replica's
      // reset event, a reconnection): "same" carries no state, so read it whole next time.
      if (mine.gen !== read.gen || mine.rev !== read.rev) world.replica = { ...mine, rev: -1 };
      return;
    }
    if (mine.gen !== '' && read.gen !== mine.gen) {
      // Another replica reset the world or imported a snapshot: requests admitted here before are cut.
      world.newGeneration('reset');
      world.traceIds.clear();
      (world.journal as Partial<SharedJournal>).clearLocal?.();
    }
    const key = `${this.store.prefix}:w:${worldKey(world.id)}`;
    const record = ([id, json]: [string, string]) =>
      parseStored(`${key}:appts field ${id}`, json, isAppointmentRecord);
    if (read.kind === 'full') {
      const misc: StateMisc = read.misc
        ? parseStored(`${key}:misc`, read.misc, isStateMisc)
        : { nextAppointmentId: 1, fixturePatients: [], blockedSlots: [] };
      // In id order, as one process keeps them (a Redis hash has an order of its own): snapshots
      // and lists then read the same whichever replica serves them.
      const appointments = read.appointments.map(record).sort((a, b) => compareAppointmentIds(a.id, b.id));
      const faults = read.faults ? parseStored(`${key}:faults`, read.faults, isFaultState) : undefined;
      world.state.replaceWith(SandboxState.from({ ...misc, appointments }));
      if (faults) world.faults.importState(faults);
      else this.host.resetFaults(world);
    } else {
      const records = read.appointments.filter(([, json]) => json !== '').map(record);
      const misc = read.misc ? parseStored(`${key}:misc`, read.misc, isStateMisc) : undefined;
      const faults = read.faults ? parseStored(`${key}:faults`, read.faults, isFaultState) : undefined;
      for (const r of records) world.state.put(r);
      if (misc) world.state.applyMisc(misc);
      if (faults) world.faults.importState(faults);
    }
    world.state.markClean();
    world.replica = { gen: read.gen, rev: read.rev, faultsRevision: world.faults.revision };
  }

  /**
   * Run a command on a world: `run` validates against the copy, changes it and commits
   * (SandboxCore.execute, which takes the copy's changes back when the commit fails). On a
   * CommitConflict the copy is refreshed and `run` tried again; a request admitted under a generation that has since ended is cut (RequestCancelled).
   * Throws StoreUnavailable when Redis cannot be reached, or after MAX_ATTEMPTS conflicts.
   */
  async execute<T>(world: World, generation: Generation | undefined, run: () => T | Promise<T>): Promise<T> {
    return world.exclusive(async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          const result = await run();
          return result;
        } catch (error) {
          if (!(error instanceof CommitConflict)) throw error;
          if (attempt >= MAX_ATTEMPTS) {
            throw new StoreUnavailable(
              `the world changed under this request ${MAX_ATTEMPTS} times in a row (other replicas are busy with it); retry`,
            );
          }
        }
        await this.refresh(world, world.id, true);
        if (generation) stillCurrent(generation);
      }
    });
  }

  /**
   * Commit what a command changed in a world's copy, if the world is still at the revision the copy
   * was read at. `newGeneration` (reset, snapshot import) replaces the whole world and tells the
   * other replicas to cut their requests in it. Throws CommitConflict (another replica changed it:
   * execute() runs the command again) or StoreUnavailable; either way the copy is re-read next time.
   */
  async commit(world: World, options: { newGeneration?: boolean } = {}): Promise<void> {
    const changed = world.state.takeChanges();
    const faultsMoved = world.faults.revision !== world.replica.faultsRevision;
    const full = changed === undefined || options.newGeneration === true;
    if (!full && changed.length === 0 && !faultsMoved) return;
    const records = full ? [...world.state.appointments.values()] : changed;
    const key = worldKey(world.id);
    let outcome: Awaited<ReturnType<RedisStore['commit']>>;
    try {
      outcome = await this.store.commit(key, {
        gen: world.replica.gen,
        rev: world.replica.rev,
        full,
        newGeneration: options.newGeneration === true,
        appointments: records.map((r) => [r.id, JSON.stringify(r)]),
        // A booking moves nextAppointmentId, which misc holds: written with any appointment.
        ...(full || records.length > 0 ? { misc: JSON.stringify(world.state.toMisc()) } : {}),
        ...(full || faultsMoved ? { faults: JSON.stringify(world.faults.exportState()) } : {}),
      });
    } catch (error) {
      world.replica = { ...world.replica, rev: -1 };
      if (error instanceof StoreUnavailable && error.outcomeUnknown) {
        // Sent, but no answer: Redis may have applied it (a frozen Redis runs it when it wakes).
        throw new StoreUnavailable(
          `this change may or may not have been committed: ${error.message}. Read the resource before you retry`,
          { outcomeUnknown: true },
        );
      }
      throw error;
    }
    if (!outcome.ok) {
      world.replica = { ...world.replica, rev: -1 };
      throw new CommitConflict(`${key} changed on another replica`);
    }
    world.replica = { gen: outcome.gen, rev: outcome.rev, faultsRevision: world.faults.revision };
    // The whole world was written afresh: whatever damage its keys held is gone.
    if (full) this.damaged.delete(`${this.store.prefix}:w:${key}`);
    if (options.newGeneration) await this.store.publish(`gen ${key} ${outcome.gen}`);
  }

  /**
   * Set the shared clock or scenario. When Redis cannot take it, this replica reads the globals
   * again on the next request (its own copy changed already), and StoreUnavailable is thrown.
   */
  async saveGlobal(field: 'clock' | 'scenario', json: string): Promise<void> {
    // Read back on the next request either way: another replica may have set the other field.
    this.globalsRev = '0';
    await this.store.setGlobal(field, json);
    this.damaged.delete(`${this.store.prefix}:globals`); // read again next time, damage and all
  }

  /** Compare-and-set on the stored clock, retried while other replicas move it first. */
  async updateClock(current: ClockState, change: (stored: ClockState) => ClockState): Promise<ClockState> {
    let storedJson = JSON.stringify(current);
    let stored = current;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const next = change(stored);
      if (await this.store.compareAndSetGlobal('clock', storedJson, JSON.stringify(next))) {
        this.host.applyClock(next);
        this.damaged.delete(`${this.store.prefix}:globals`);
        return next;
      }
      storedJson = (await this.store.getGlobal('clock')) ?? '';
      // A missing or damaged clock is overwritten from this replica's.
      try {
        stored = parseStored('clock', storedJson, isClockState);
      } catch {
        stored = current;
      }
    }
    throw new StoreUnavailable(
      `the clock changed under this request ${MAX_ATTEMPTS} times in a row (other replicas are moving it); retry`,
    );
  }

  /** The sessions open in Redis now, each brought up to date (for reset ?all=true, scenario switches). */
  async sessionWorlds(options?: OpenOptions): Promise<World[]> {
    const ids = await this.store.sessionIds(this.host.sessionTtlMs);
    const worlds: World[] = [];
    for (const id of ids) {
      const world = await this.enter(id, false, options);
      if (world) worlds.push(world);
    }
    return worlds;
  }

  /** Another replica reset a world (`gen W N`): cut what this replica holds for its old generation. */
  private onEvent(message: string): void {
    const [kind, key, gen] = message.split(' ');
    if (kind !== 'gen' || key === undefined || gen === undefined) return;
    const world =
      key === 'default'
        ? this.host.defaultWorld
        : key.startsWith('s:')
          ? this.host.sessions.peek(key.slice(2))
          : undefined;
    if (!world || world.replica.gen === gen || world.replica.gen === '') return;
    world.newGeneration('reset');
    // Read whole next time, without cutting again (the generation is already cut).
    world.replica = { gen: '', rev: -1, faultsRevision: -1 };
  }
}
