import { charCount, truncateChars } from '../domain/text.js';
/** One request as the journal keeps it (PRODUCT.md GET /_admin/requests). */
export interface JournalEntry {
  /** A running number in this journal (kept across clear()), so a viewer can tell entries apart. */
  seq?: number;
  time: string;
  method: string;
  path: string;
  interaction?: string;
  status: number;
  ms: number;
  /** Envelope or validation problems: in lenient mode what was let through, else why it was refused. */
  problems: string[];
  /** The fault rule that fired, if any. */
  fault?: string;
  request: { headers: Record<string, string>; body?: string };
  response: { headers: Record<string, string>; body?: string };
}

export type RawHeaders = Record<string, string | string[] | number | undefined>;

/**
 * What the pipeline records: headers as Node holds them and the time as a number, so recording
 * costs little on every request; list() turns them into JournalEntry form.
 */
export interface JournalRecord extends Omit<JournalEntry, 'seq' | 'time' | 'request' | 'response'> {
  timeMs: number;
  request: { headers: RawHeaders; body?: string };
  response: { headers: RawHeaders; body?: string };
}

export const JOURNAL_BODY_LIMIT = 64 * 1024;

function flatHeaders(headers: RawHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

function toEntry(seq: number, record: JournalRecord): JournalEntry {
  const { timeMs, request, response, ...rest } = record;
  return {
    seq,
    time: new Date(timeMs).toISOString(),
    ...rest,
    request: { ...request, headers: flatHeaders(request.headers) },
    response: { ...response, headers: flatHeaders(response.headers) },
  };
}

/** A body for the journal: at most JOURNAL_BODY_LIMIT characters (code points), then a note. */
export function truncateBody(body: string | undefined): string | undefined {
  // UTF-16 units are never fewer than characters, so a body this short is within the limit.
  if (body === undefined || body.length <= JOURNAL_BODY_LIMIT) return body;
  const characters = charCount(body);
  if (characters <= JOURNAL_BODY_LIMIT) return body;
  // A copy, not a slice: V8 slices keep the whole (possibly megabytes) parent string alive.
  const head = Buffer.from(truncateChars(body, JOURNAL_BODY_LIMIT, ''), 'utf8').toString('utf8');
  return `${head}… [truncated, ${characters} characters in all]`;
}

/** Roughly what one record holds, in bytes: its bodies (UTF-8) and header names and values. */
function recordBytes(record: JournalRecord): number {
  let bytes = record.method.length + record.path.length;
  for (const part of [record.request, record.response]) {
    if (part.body !== undefined) bytes += Buffer.byteLength(part.body, 'utf8');
    for (const [name, value] of Object.entries(part.headers)) {
      if (value !== undefined) bytes += name.length + String(value).length;
    }
  }
  return bytes;
}

/** A bounded ring, newest first on read. */
export class Journal {
  private readonly entries: Array<{ seq: number; record: JournalRecord; bytes: number }> = [];
  private next = 0;
  private counter = 0;
  private heldBytes = 0;

  constructor(readonly capacity: number) {}

  add(record: JournalRecord): void {
    const entry = { seq: ++this.counter, record, bytes: recordBytes(record) };
    this.heldBytes += entry.bytes;
    if (this.entries.length < this.capacity) this.entries.push(entry);
    else {
      this.heldBytes -= this.entries[this.next]!.bytes;
      this.entries[this.next] = entry;
    }
    this.next = (this.next + 1) % this.capacity;
  }

  /** Roughly the bytes the kept entries hold (bodies as UTF-8, header names and values). */
  get bytes(): number {
    return this.heldBytes;
  }

  list(limit = this.capacity): JournalEntry[] {
    const out: JournalEntry[] = [];
    const n = this.entries.length;
    for (let i = 1; i <= Math.min(limit, n); i++) {
      const { seq, record } = this.entries[(this.next - i + n) % n]!;
      out.push(toEntry(seq, record));
    }
    return out;
  }

  /** The newest entry's number (0 when empty), without formatting it. */
  get newestSeq(): number {
    const n = this.entries.length;
    return n === 0 ? 0 : this.entries[(this.next - 1 + n) % n]!.seq;
  }

  get size(): number {
    return this.entries.length;
  }

  clear(): void {
    this.entries.length = 0;
    this.next = 0;
    this.heldBytes = 0;
  }
}
