/**
 * The sandbox clock. It drives slot generation, "future only" rules and the journal; JWT expiry
 * is always checked against real time (auth/), never this clock.
 */
export interface ClockState {
  /** When frozen, the instant it shows (epoch ms). */
  frozenAt?: number;
  /** When running, the offset from real time (ms). */
  offsetMs: number;
}

/**
 * The instants the sandbox clock may be set to: 1970-01-01T00:00:00Z to 9998-12-31T23:59:59Z
 * (epoch ms). FHIR dateTime years have four digits and every answer formats times around the
 * clock's (a year of slots ahead for GET /_admin/state?days=366), so a year is kept in hand below
 * year 10000; a running clock set near the end still has a year to drift.
 */
export const CLOCK_RANGE = { minMs: 0, maxMs: Date.UTC(9998, 11, 31, 23, 59, 59) } as const;

/** True when `ms` is an instant the sandbox clock may show (CLOCK_RANGE). */
export function inClockRange(ms: number): boolean {
  return Number.isFinite(ms) && ms >= CLOCK_RANGE.minMs && ms <= CLOCK_RANGE.maxMs;
}

/** Where a clock state would put the clock now (epoch ms), given real time. */
export function clockNowOf(state: ClockState, realNowMs: number): number {
  return state.frozenAt ?? realNowMs + state.offsetMs;
}

export class Clock {
  private state: ClockState;
  constructor(
    /** Real time (epoch ms) under the clock. */
    readonly realNow: () => number = Date.now,
    initial?: ClockState,
  ) {
    this.state = initial ? { ...initial } : { offsetMs: 0 };
  }

  now(): number {
    return clockNowOf(this.state, this.realNow());
  }

  /** Freeze at an instant. */
  freeze(at: number): void {
    this.state = { frozenAt: at, offsetMs: 0 };
  }

  /** Move forward (or back) by ms; a frozen clock stays frozen at the new instant. */
  advance(ms: number): void {
    if (this.state.frozenAt !== undefined) this.state = { frozenAt: this.state.frozenAt + ms, offsetMs: 0 };
    else this.state = { offsetMs: this.state.offsetMs + ms };
  }

  /** Back to real time. */
  real(): void {
    this.state = { offsetMs: 0 };
  }

  get frozen(): boolean {
    return this.state.frozenAt !== undefined;
  }

  snapshot(): ClockState {
    return { ...this.state };
  }

  restore(state: ClockState): void {
    this.state = { ...state };
  }
}
