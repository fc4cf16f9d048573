import { truncateChars } from '../domain/text.js';
import { SpineError } from '../fhir/operation-outcome.js';
import type { World } from './world.js';

/**
 * Sessions (X-Sandbox-Session): each its own world, made on first use, dropped after an idle
 * time on the sandbox clock, at most `max` at once.
 */
export class Sessions {
  private readonly worlds = new Map<string, World>();

  constructor(
    private readonly create: (id: string) => World,
    private readonly ttlMs: number,
    private readonly max: number,
  ) {}

  static readonly ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

  get(id: string, nowMs: number): World {
    if (!Sessions.ID_PATTERN.test(id)) {
      throw new SpineError(
        'BAD_REQUEST',
        `X-Sandbox-Session "${truncateChars(id, 40, '')}" must be 1-128 letters, digits or . _ : -`,
      );
    }
    this.expire(nowMs);
    let world = this.worlds.get(id);
    if (!world) {
      if (this.worlds.size >= this.max) {
        throw new SpineError(
          'BAD_REQUEST',
          `Too many sandbox sessions: ${this.max} are open (--max-sessions). Reuse a session id, reset it, or wait ${Math.round(this.ttlMs / 60000)} minutes for idle ones to expire.`,
          429,
          { 'Retry-After': '60' },
        );
      }
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

  expire(nowMs: number): void {
    for (const [id, world] of this.worlds) if (nowMs - world.lastUsedMs > this.ttlMs) this.worlds.delete(id);
  }

  all(): World[] {
    return [...this.worlds.values()];
  }

  get size(): number {
    return this.worlds.size;
  }
}
