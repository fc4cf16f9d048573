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

export class Clock {
  private state: ClockState;
  constructor(
    private readonly realNow: () => number = Date.now,
    initial?: ClockState,
  ) {
    this.state = initial ? { ...initial } : { offsetMs: 0 };
  }

  now(): number {
    return this.state.frozenAt ?? this.realNow() + this.state.offsetMs;
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
