import type { Socket } from 'node:net';

/**
 * One generation of a world: what requests admitted since the world's last reset or snapshot
 * import belong to. Ending it (the next reset or import) aborts their fault delays and cuts the
 * connections faults hold for them, so nothing admitted under an old state commits into the new
 * one (issue 15: "a reset does not stop work already in flight"; WireMock and Prism users report
 * the same trap).
 */
export class Generation {
  readonly #abort = new AbortController();
  readonly #held = new Set<Socket>();
  #endedBy: string | undefined;

  /** Aborted when the generation ends: for fault delays to stop waiting. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** Why the generation ended (`reset`, `snapshot import`), or undefined while it is current. */
  get endedBy(): string | undefined {
    return this.#endedBy;
  }

  /**
   * A connection a fault holds for a request of this generation (`drop: hang`): cut when the
   * generation ends, at once if it already has.
   */
  hold(socket: Socket): void {
    if (this.#endedBy !== undefined) {
      socket.destroy();
      return;
    }
    this.#held.add(socket);
    socket.once('close', () => this.#held.delete(socket));
  }

  /** End the generation: abort its delays and cut the connections held for its requests. */
  end(reason: string): void {
    if (this.#endedBy !== undefined) return;
    this.#endedBy = reason;
    this.#abort.abort();
    for (const socket of this.#held) socket.destroy();
    this.#held.clear();
  }
}

/**
 * Thrown where a request admitted under an ended generation would go on (after a fault delay,
 * after reading its body): the pipeline cuts its connection and journals why; nothing commits.
 */
export class RequestCancelled extends Error {
  override name = 'RequestCancelled';
  constructor(readonly endedBy: string) {
    super(
      `cancelled by ${endedBy}: admitted before it, this request committed nothing and its connection was cut`,
    );
  }
}

/** Throws RequestCancelled when `generation` has ended. */
export function stillCurrent(generation: Generation): void {
  if (generation.endedBy !== undefined) throw new RequestCancelled(generation.endedBy);
}
