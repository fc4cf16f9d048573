import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import { StoreError, StoreUnavailable } from '../store.js';
import type { RedisTarget } from './redis-url.js';
import { CAS_GLOBAL_SCRIPT, COMMIT_SCRIPT, ENTER_SCRIPT, GLOBALS_SCRIPT, META_SCRIPT } from './scripts.js';

/** What the sandbox's shared state was written for: a replica with other values refuses to start. */
export interface RedisMeta {
  schemaVersion: number;
  /** The seed's fingerprint. */
  seed: string;
  profile: string;
}

/** The shared values every world reads: the sandbox clock and the active scenario (JSON). */
export interface RedisGlobals {
  rev: string;
  /** ClockState JSON, when it changed since the rev the caller knew. */
  clock?: string;
  /** `{name, scenario}` JSON or "null", when it changed. */
  scenario?: string;
}

/** One world's state as Redis returns it to a replica (scripts.ts ENTER_SCRIPT). */
export interface WorldRead {
  status: 'ok' | 'absent' | 'full' | 'lost';
  gen: string;
  rev: number;
  kind: 'same' | 'delta' | 'full';
  /** Appointment id → record JSON ('' when it is gone). */
  appointments: Array<[string, string]>;
  misc?: string;
  faults?: string;
  globals: RedisGlobals;
  /** Sessions dropped for idleness by this call. */
  expired: string[];
}

/** One world's changes, to commit if the world is still at `gen`/`rev`. */
export interface WorldWrite {
  gen: string;
  rev: number;
  /** Replace every appointment (and misc, faults) rather than merge. */
  full: boolean;
  /** Start a new generation (reset, snapshot import). */
  newGeneration: boolean;
  appointments: Array<[string, string]>;
  misc?: string;
  faults?: string;
}

export type CommitOutcome = { ok: true; gen: string; rev: number } | { ok: false };

/** How long one Redis call may take before the request gets a 503 (ms). */
const COMMAND_TIMEOUT_MS = 3000;

/** --redis-prefix when none is given. */
export const DEFAULT_REDIS_PREFIX = 'gpc-sandbox';

/**
 * ioredis, loaded when the first RedisStore is made: a start without `--db redis://…` does not pay
 * for loading it (about 0.1 s of CPU, bench/README.md time to ready).
 */
function redisClass(): typeof Redis {
  return (createRequire(import.meta.url)('ioredis') as typeof import('ioredis')).Redis;
}

/** Redis keys name a world: the default state, or a session's. */
export function worldKey(sessionId: string | undefined): string {
  return sessionId === undefined ? 'default' : `s:${sessionId}`;
}

type ScriptClient = Redis & {
  gpcMeta(...args: string[]): Promise<string[]>;
  gpcEnter(...args: string[]): Promise<unknown[]>;
  gpcCommit(...args: string[]): Promise<string[]>;
  gpcGlobals(...args: string[]): Promise<number>;
  gpcCasGlobal(...args: string[]): Promise<number | null>;
};

/**
 * The shared store (`--db redis://…`): the state of every world lives in Redis and each replica
 * keeps a copy it brings up to date at the start of every request (enter) and changes only
 * through atomic, revision-checked commits (commit). Connection loss never throws out of the
 * process: calls fail with StoreUnavailable (503 to clients) and the client reconnects by itself.
 * Keys and scripts: scripts.ts.
 */
export class RedisStore {
  readonly kind = 'redis';
  readonly client: ScriptClient;
  /** A second connection for pub/sub (a subscribed connection can do nothing else). */
  private subscriber: Redis | undefined;
  private lastError: string | undefined;
  private closed = false;
  private readonly reconnectListeners: Array<() => void> = [];
  /** open() succeeded: later 'ready' events are reconnections. */
  private opened = false;
  /** Set when Redis holds another sandbox's state under our prefix at run time (after a flush). */
  private metaProblem: string | undefined;

  constructor(
    readonly target: RedisTarget,
    readonly prefix: string,
    private readonly meta: RedisMeta,
    private readonly log?: (level: 'info' | 'warn' | 'error', message: string) => void,
  ) {
    this.client = new (redisClass())(this.options()) as ScriptClient;
    this.client.defineCommand('gpcMeta', { numberOfKeys: 0, lua: META_SCRIPT });
    this.client.defineCommand('gpcEnter', { numberOfKeys: 0, lua: ENTER_SCRIPT });
    this.client.defineCommand('gpcCommit', { numberOfKeys: 0, lua: COMMIT_SCRIPT });
    this.client.defineCommand('gpcGlobals', { numberOfKeys: 0, lua: GLOBALS_SCRIPT });
    this.client.defineCommand('gpcCasGlobal', { numberOfKeys: 0, lua: CAS_GLOBAL_SCRIPT });
    this.watch(this.client);
  }

  private options() {
    return {
      host: this.target.host,
      port: this.target.port,
      db: this.target.db,
      ...(this.target.username ? { username: this.target.username } : {}),
      ...(this.target.password ? { password: this.target.password } : {}),
      ...(this.target.tls ? { tls: {} } : {}),
      lazyConnect: true,
      // Fail calls at once while Redis is away (503), rather than queueing them for ever.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 2000,
      // A Redis that holds the connection but answers nothing (frozen, partitioned) must not hold
      // the requests: each call fails after this long (503), and health pings say degraded.
      commandTimeout: COMMAND_TIMEOUT_MS,
      // Reconnect for ever, at most every 1 s: the sandbox recovers by itself when Redis is back.
      retryStrategy: (times: number) => Math.min(50 * times, 1000),
    };
  }

  private watch(client: Redis): void {
    client.on('error', (error: Error) => {
      const message = error.message || String(error);
      if (message !== this.lastError) this.log?.('warn', `Redis at ${this.target.display}: ${message}`);
      this.lastError = message;
    });
    client.on('ready', () => {
      const outage = this.lastError !== undefined;
      this.lastError = undefined;
      // The first connection is checked by open(). After an outage Redis may have come back empty
      // or older: meta and globals are written again and every copy is read whole.
      if (outage && this.opened && !this.closed) {
        this.log?.('info', `Redis at ${this.target.display} is back`);
        void this.recheckMeta().catch(() => {});
      }
    });
  }

  /** Call `listener` when Redis is back after an outage (before any request reads from it). */
  onReconnect(listener: () => void): void {
    this.reconnectListeners.push(listener);
  }

  /**
   * `ok`, or `degraded` with why, for GET /_admin/health: Redis must answer a PING within the
   * command timeout (a frozen or partitioned Redis keeps the connection but answers nothing), and
   * hold what this sandbox's state is for (a flushed or mismatched `P:meta` is degraded).
   */
  async health(): Promise<{ status: 'ok' | 'degraded'; problem?: string }> {
    if (this.client.status !== 'ready') return { status: 'degraded', problem: this.unavailable().message };
    if (this.metaProblem !== undefined) return { status: 'degraded', problem: this.metaProblem };
    try {
      await this.client.ping();
      return { status: 'ok' };
    } catch (error) {
      return { status: 'degraded', problem: this.unavailable((error as Error).message).message };
    }
  }

  /**
   * Connect and check (or, on an empty prefix, write) what the state is for. Throws StoreError
   * naming the key and the mismatch when the prefix holds another seed's, schema's or profile's
   * state (nothing is changed), or when Redis cannot be reached within `waitMs`.
   */
  async open(initialClock: string, initialScenario: string, waitMs = 10_000): Promise<void> {
    this.initial = { clock: initialClock, scenario: initialScenario };
    const deadline = Date.now() + waitMs;
    for (;;) {
      try {
        if (this.client.status === 'wait' || this.client.status === 'end') await this.client.connect();
        else await this.waitReady(Math.max(0, deadline - Date.now()));
        break;
      } catch (error) {
        if (Date.now() >= deadline) {
          this.client.disconnect();
          throw new StoreError(
            `--db ${this.target.display}: cannot reach Redis (${(error as Error).message || this.lastError || 'no answer'}); start Redis, or check the URL`,
          );
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    await this.checkMeta();
    this.opened = true;
  }

  private initial = { clock: '{"offsetMs":0}', scenario: 'null' };

  private waitReady(ms: number): Promise<void> {
    if (this.client.status === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.client.off('ready', onReady);
        reject(new Error(this.lastError ?? 'no answer'));
      }, ms);
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      this.client.once('ready', onReady);
    });
  }

  /**
   * Write `P:meta` and the globals again after Redis lost them (restarted empty, flushed), and
   * tell the replica to read every world afresh. While another sandbox's meta stands under the
   * prefix, every call fails with StoreUnavailable naming it and health is degraded.
   */
  async recheckMeta(): Promise<void> {
    try {
      await this.checkMeta();
      this.metaProblem = undefined;
    } catch (error) {
      if (!(error instanceof StoreError) || error instanceof StoreUnavailable) throw error;
      this.metaProblem = error.message;
      this.log?.('error', error.message);
    }
    for (const listener of this.reconnectListeners) listener();
  }

  private async checkMeta(): Promise<void> {
    const answer = await this.client.gpcMeta(
      this.prefix,
      String(this.meta.schemaVersion),
      this.meta.seed,
      this.meta.profile,
      this.initial.clock,
      this.initial.scenario,
    );
    if (answer[0] === 'mismatch') {
      const [, field, stored, wanted] = answer;
      throw new StoreError(
        `--db ${this.target.display}: key ${this.prefix}:meta holds state written for ${field} ${stored}, and this sandbox's ${field} is ${wanted}; nothing was changed. Use another --redis-prefix, or the same ${field === 'seed' ? '--seed' : field === 'profile' ? '--profile' : 'version of gpc-sandbox'} as the replicas already running`,
      );
    }
  }

  /** Run a call, turning a connection problem into StoreUnavailable (503 to clients). */
  private async call<T>(run: () => Promise<T>, change = false): Promise<T> {
    if (this.client.status !== 'ready') throw this.unavailable();
    if (this.metaProblem !== undefined) throw new StoreUnavailable(this.metaProblem);
    try {
      return await run();
    } catch (error) {
      if (error instanceof StoreError) throw error;
      if (
        this.client.status !== 'ready' ||
        /connect|closed|writeable|ECONN|EPIPE|ETIMEDOUT|timed out|OOM|READONLY|LOADING|MASTERDOWN|NOAUTH|NOPERM|BUSY/i.test(
          String(error),
        )
      ) {
        // A change that was sent may have been applied: its outcome is unknown.
        throw this.unavailable((error as Error).message, change);
      }
      throw error;
    }
  }

  private unavailable(detail?: string, outcomeUnknown = false): StoreUnavailable {
    return new StoreUnavailable(
      `the sandbox's shared state (Redis at ${this.target.display}) is unreachable${(detail ?? this.lastError) ? `: ${detail ?? this.lastError}` : ''}; retry shortly`,
      { outcomeUnknown },
    );
  }

  /** Bring a replica's copy of a world up to date (ENTER_SCRIPT). */
  async enter(args: {
    world: string;
    knownGen: string;
    knownRev: number;
    knownGlobalsRev: string;
    session?: { id: string; create: boolean; ttlMs: number; max: number };
  }): Promise<WorldRead> {
    const reply = await this.call(() =>
      this.client.gpcEnter(
        this.prefix,
        args.world,
        args.knownGen,
        String(args.knownRev),
        args.knownGlobalsRev,
        args.session?.id ?? '',
        args.session?.create ? '1' : '0',
        String(args.session?.ttlMs ?? 0),
        String(args.session?.max ?? 0),
      ),
    );
    const [status, gen, rev, kind, flat, misc, faults, globalsRev, clock, scenario, expired] = reply as [
      WorldRead['status'],
      string,
      string,
      WorldRead['kind'],
      string[],
      string | null,
      string | null,
      string,
      string | null,
      string | null,
      string[],
    ];
    const appointments: Array<[string, string]> = [];
    for (let i = 0; i < flat.length; i += 2) appointments.push([flat[i]!, flat[i + 1]!]);
    return {
      status,
      gen,
      rev: Number(rev),
      kind,
      appointments,
      ...(misc !== null ? { misc } : {}),
      ...(faults !== null ? { faults } : {}),
      globals: {
        rev: globalsRev,
        ...(clock !== null ? { clock } : {}),
        ...(scenario !== null ? { scenario } : {}),
      },
      expired,
    };
  }

  /** Commit a world's changes if nobody changed it since the replica read it (COMMIT_SCRIPT). */
  async commit(world: string, write: WorldWrite): Promise<CommitOutcome> {
    const pairs = write.appointments.flat();
    const reply = await this.call(
      () =>
        this.client.gpcCommit(
          this.prefix,
          world,
          write.gen,
          String(write.rev),
          write.newGeneration ? '1' : '0',
          write.full ? '1' : '0',
          write.misc ?? '',
          write.faults ?? '',
          ...pairs,
        ),
      true,
    );
    if (reply[0] !== 'ok') return { ok: false };
    return { ok: true, gen: reply[1]!, rev: Number(reply[2]) };
  }

  /**
   * Set the shared clock or scenario. The other replicas see it on their next request (ENTER
   * returns the globals whenever their rev moved), so nothing is published.
   */
  async setGlobal(field: 'clock' | 'scenario', json: string): Promise<void> {
    await this.call(() => this.client.gpcGlobals(this.prefix, field, json));
  }

  /** The shared clock or scenario as stored (JSON), undefined when absent. */
  async getGlobal(field: 'clock' | 'scenario'): Promise<string | undefined> {
    return (await this.call(() => this.client.hget(`${this.prefix}:globals`, field))) ?? undefined;
  }

  /** Set a global only if it still holds `expected` (CAS_GLOBAL_SCRIPT); false when it moved. */
  async compareAndSetGlobal(field: 'clock' | 'scenario', expected: string, json: string): Promise<boolean> {
    const rev = await this.call(() => this.client.gpcCasGlobal(this.prefix, field, expected, json));
    return rev !== null;
  }

  /** The ids of the sessions open now (not yet expired), oldest use first. */
  async sessionIds(ttlMs: number): Promise<string[]> {
    return this.call(async () => {
      const [seconds, micros] = await this.client.time();
      const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
      return this.client.zrangebyscore(`${this.prefix}:sessions`, now - ttlMs, '+inf');
    });
  }

  /** Tell the other replicas something changed (`gen W N`: a world's new generation). */
  async publish(message: string): Promise<void> {
    await this.call(() => this.client.publish(`${this.prefix}:events`, message)).catch(() => {});
  }

  /** Receive the other replicas' events (`gen W N`: a world's new generation). */
  subscribe(listener: (message: string) => void): void {
    this.subscriber = new (redisClass())({ ...this.options(), lazyConnect: false, enableOfflineQueue: true });
    this.subscriber.on('error', () => {}); // reported through the main connection
    this.subscriber.on('message', (_channel: string, message: string) => listener(message));
    void this.subscriber.subscribe(`${this.prefix}:events`).catch(() => {});
  }

  async close(): Promise<void> {
    this.closed = true;
    this.subscriber?.disconnect();
    if (this.client.status === 'ready') await this.client.quit().catch(() => this.client.disconnect());
    else this.client.disconnect();
  }
}
