/**
 * The one implementation of fault behaviour that reaches below HTTP: dropped connections, the
 * Spine proxy's error body, cancellable delays. Rules only describe these (rule.ts).
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { errorIssue, type OperationOutcomeIssue } from '../fhir/operation-outcome.js';
import type { DropMode } from './rule.js';
import { SSP_ERRORS, SSP_SYSTEM, type SspStatus } from './ssp-errors.js';

/** What `drop: "garbage"` sends: no status line, a NUL and a 0xFF, so no HTTP parser accepts it. */
export const GARBAGE_BYTES = Buffer.from('\x00\xffNOT-HTTP garbage\r\n', 'latin1');

/**
 * Connections held open by `drop: "hang"`. The server cuts them at shutdown (PRODUCT.md: in-flight
 * requests get up to 5 s, hung ones are cut) or when a test tears down.
 */
export class HungConnections {
  readonly #sockets = new Set<Socket>();
  #delaying = 0;

  /** Count one connection held by a fault delay until the returned function is called. */
  hold(): () => void {
    this.#delaying++;
    let released = false;
    return () => {
      if (!released) this.#delaying--;
      released = true;
    };
  }

  /** Connections held by faults now: hung ones and ones waiting out a long delay. */
  get held(): number {
    return this.#sockets.size + this.#delaying;
  }

  add(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
  }

  get size(): number {
    return this.#sockets.size;
  }

  /** Destroy every hung connection; returns how many were cut. */
  cutAll(): number {
    const count = this.#sockets.size;
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    return count;
  }
}

/**
 * TCP RST. A TLS socket has no TCP handle of its own: reset the raw socket beneath it, and destroy
 * the TLS socket only once that has closed (destroying it first closes the raw socket cleanly, and
 * destroying it in the same tick leaves node's https server with a stale connection entry).
 */
function reset(socket: Socket): void {
  try {
    socket.resetAndDestroy();
    return;
  } catch {
    // ERR_INVALID_HANDLE_TYPE: a TLS socket.
  }
  const parent = (socket as Socket & { _parent?: Socket | null })._parent;
  if (!parent || parent.destroyed) {
    socket.destroy();
    return;
  }
  parent.once('close', () => socket.destroy());
  try {
    parent.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

/**
 * Answer with no HTTP at all. The response must not have been written; afterwards the caller writes
 * nothing more. `hung` tracks `hang` connections so they can be cut at shutdown.
 */
export function dropConnection(res: ServerResponse, mode: DropMode, hung?: HungConnections): void {
  const socket = res.socket;
  if (!socket || socket.destroyed) return;
  switch (mode) {
    case 'reset':
      reset(socket);
      return;
    case 'empty':
      socket.destroy();
      return;
    case 'garbage':
      socket.end(GARBAGE_BYTES, () => socket.destroy());
      return;
    case 'hang':
      // Read (and discard) any unread body so the server's request timeout never answers for us.
      res.req?.resume();
      socket.setTimeout(0);
      hung?.add(socket);
      return;
  }
}

export type SspOperationOutcome = {
  resourceType: 'OperationOutcome';
  id: string;
  issue: OperationOutcomeIssue[];
};

/**
 * The Spine Secure Proxy's own error (GP Connect error handling page § SSP errors): the code is the
 * status as a string, the system is the schedule-response ValueSet, and there is no meta.profile.
 */
export function sspErrorBody(status: SspStatus, diagnostics?: string, display?: string): SspOperationOutcome {
  const def = SSP_ERRORS[status];
  const shown = display ?? def.display;
  return {
    resourceType: 'OperationOutcome',
    id: randomUUID(),
    issue: [
      errorIssue(
        def.issueCode,
        { system: SSP_SYSTEM, code: String(status), display: shown },
        diagnostics ?? shown,
      ),
    ],
  };
}

/** Resolves true after `ms`, or false as soon as `signal` aborts (never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
