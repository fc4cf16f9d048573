import type { Request, Response } from 'express';

/**
 * Large admin answers (GET /_admin/requests, /_admin/state, /_admin/snapshot) written in pieces:
 * the text is exactly JSON.stringify's, but produced an array entry or member at a time, and the
 * writer yields to the event loop whenever about SLICE_MS of work has been done, so other
 * requests are served meanwhile. It stops when the client has gone.
 */

/** Work done between two yields to the event loop, in milliseconds. */
const SLICE_MS = 20;
/** Text buffered before it is handed to the socket, in characters. */
const WRITE_CHARS = 64 * 1024;

/**
 * An array whose entries are made only when written: `map(items[i])` one at a time by
 * sendJsonInSlices, all at once by JSON.stringify (toJSON), with the same text either way.
 */
export class LazyJsonArray<T> {
  constructor(
    readonly items: readonly T[],
    readonly map: (item: T) => unknown,
  ) {}

  /** The entries, made all at once (what JSON.stringify writes). */
  toJSON(): unknown[] {
    return this.items.map((item) => this.map(item));
  }
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The text of JSON.stringify(value) in pieces, taking apart arrays, LazyJsonArrays and plain
 * objects down to `levels` levels (entries below are one JSON.stringify each). The pieces joined
 * equal JSON.stringify(value) (toJSON, skipped undefined members and `null` for undefined array
 * entries as JSON.stringify does); `undefined` when JSON.stringify gives undefined.
 */
export function* jsonPieces(value: unknown, levels: number, key = ''): Generator<string, void, undefined> {
  if (levels > 0 && value instanceof LazyJsonArray) {
    yield '[';
    for (let i = 0; i < value.items.length; i++) {
      if (i > 0) yield ',';
      yield* arrayEntry(value.map(value.items[i]), levels - 1, String(i));
    }
    yield ']';
    return;
  }
  let v = value;
  if (typeof v === 'object' && v !== null && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    v = (v as { toJSON: (key: string) => unknown }).toJSON(key);
  }
  if (levels <= 0 || typeof v !== 'object' || v === null || !(Array.isArray(v) || isPlainObject(v))) {
    const text = JSON.stringify(v);
    if (text !== undefined) yield text;
    return;
  }
  if (Array.isArray(v)) {
    yield '[';
    for (let i = 0; i < v.length; i++) {
      if (i > 0) yield ',';
      yield* arrayEntry(v[i], levels - 1, String(i));
    }
    yield ']';
    return;
  }
  yield '{';
  let first = true;
  for (const name of Object.keys(v)) {
    const member = (v as Record<string, unknown>)[name];
    let wrote = false;
    for (const piece of jsonPieces(member, levels - 1, name)) {
      if (!wrote) {
        yield `${first ? '' : ','}${JSON.stringify(name)}:`;
        first = false;
        wrote = true;
      }
      yield piece;
    }
  }
  yield '}';
}

function* arrayEntry(value: unknown, levels: number, key: string): Generator<string, void, undefined> {
  let wrote = false;
  for (const piece of jsonPieces(value, levels, key)) {
    wrote = true;
    yield piece;
  }
  if (!wrote) yield 'null';
}

function gone(req: Request, res: Response): boolean {
  return res.destroyed || req.socket.destroyed;
}

/**
 * A wait for the response to take more data (or close). One 'drain' listener for the whole
 * response: the compression middleware adds 'drain' listeners to its gzip stream but cannot
 * remove them (it overrides res.on, not res.off), so a listener per wait would pile up.
 */
function drainWaiter(res: Response): () => Promise<void> {
  let wake: (() => void) | undefined;
  const fire = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  res.on('drain', fire);
  res.on('close', fire);
  return () => (res.destroyed ? Promise.resolve() : new Promise<void>((resolve) => (wake = resolve)));
}

/**
 * Answer 200 with JSON.stringify(value)'s text (application/json; charset=utf-8), written in
 * pieces (see jsonPieces; `levels` as there) with a yield to the event loop after each ~20 ms of
 * work. Headers already set (ETag, Cache-Control) are kept. A client that goes away stops the
 * work; an error after the first byte was sent destroys the response (nothing else can be said).
 */
export async function sendJsonInSlices(
  req: Request,
  res: Response,
  value: unknown,
  levels: number,
): Promise<void> {
  if (!res.getHeader('Content-Type')) res.setHeader('Content-Type', 'application/json; charset=utf-8');
  if (req.method === 'HEAD') return void res.end();
  let buffer = '';
  let sliceStart = performance.now();
  const drained = drainWaiter(res);
  try {
    for (const piece of jsonPieces(value, levels)) {
      buffer += piece;
      if (buffer.length >= WRITE_CHARS) {
        const more = res.write(buffer);
        buffer = '';
        if (!more) await drained();
      }
      if (performance.now() - sliceStart >= SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
      if (gone(req, res)) return;
    }
  } catch (error) {
    if (!res.headersSent) throw error;
    res.destroy(error as Error);
    return;
  }
  res.end(buffer);
}
