import { truncateChars } from '../domain/text.js';
import { SpineError } from '../fhir/operation-outcome.js';
import type { World } from './world.js';

/**
 * Sessions (X-Sandbox-Session): each its own world, made on first use, dropped after an idle
 * time in real time, at most `max` at once. Idle time is measured on `realNow` (monotonic ms,
 * performance.now by default), never on the sandbox clock: moving that clock (PUT /_admin/clock)
 * must not end the sessions of tests running in parallel.
 */
export class Sessions {
  private readonly worlds = new Map<string, World>();

  constructor(
    private readonly create: (id: string) => World,
    private readonly ttlMs: number,
    private readonly max: number,
    private readonly realNow: () => number = () => performance.now(),
  ) {}

  static readonly ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

  /** Throws a 400 SpineError naming X-Sandbox-Session when `id` is not a valid session id. */
  static checkId(id: string): void {
    if (!Sessions.ID_PATTERN.test(id)) {
      throw new SpineError(
        'BAD_REQUEST',
        `X-Sandbox-Session "${truncateChars(id, 40, '')}" must be 1-128 letters, digits or . _ : -`,
      );
    }
  }

  /** The 429 for a session beyond --max-sessions `max` (idle ones expire after `ttlMs`). */
  static tooMany(max: number, ttlMs: number): SpineError {
    return new SpineError(
      'BAD_REQUEST',
      `Too many sandbox sessions: ${max} are open (--max-sessions). Reuse a session id, reset it, or wait ${waitText(ttlMs)} for idle ones to expire.`,
      429,
      { 'Retry-After': '60' },
    );
  }

  /** Forget a session (a shared store expired it). */
  drop(id: string): void {
    const world = this.worlds.get(id);
    if (!world) return;
    this.worlds.delete(id);
    world.journal.release();
  }

  /** The session's world, made on first use (429 beyond `max`); the caller has accepted the request. */
  get(id: string): World {
    Sessions.checkId(id);
    const nowMs = this.realNow();
    this.expire(nowMs);
    let world = this.worlds.get(id);
    if (!world) {
      if (this.worlds.size >= this.max) throw Sessions.tooMany(this.max, this.ttlMs);
      world = this.create(id);
      this.worlds.set(id, world);
    }
    world.lastUsedMs = nowMs;
    return world;
  }

  /** An existing session, without creating one. */
  peek(id: string): World | undefined {
    return this.worlds.get(id);
  }

  /** Drop the sessions idle for longer than the TTL (real time). */
  expire(nowMs = this.realNow()): void {
    for (const [id, world] of this.worlds) {
      if (nowMs - world.lastUsedMs > this.ttlMs) {
        this.worlds.delete(id);
        world.journal.release(); // gives its bytes back to the shared journal budget
      }
    }
  }

  all(): World[] {
    return [...this.worlds.values()];
  }

  get size(): number {
    return this.worlds.size;
  }
}

function waitText(ttlMs: number): string {
  return ttlMs < 60_000 ? `${Math.ceil(ttlMs / 1000)} seconds` : `${Math.round(ttlMs / 60_000)} minutes`;
}
