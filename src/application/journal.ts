import { charCount, truncateChars } from '../domain/text.js';
/** One request as the journal keeps it (PRODUCT.md GET /_admin/requests). */
export interface JournalEntry {
  /** A running number in this journal (kept across clear()), so a viewer can tell entries apart. */
  seq?: number;
  time: string;
  method: string;
  path: string;
  interaction?: string;
  /** The HTTP status answered; 0 when the connection was dropped or cut; `pending` while in flight. */
  status: number | 'pending';
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

/** A kept record as GET /_admin/requests shows it, numbered `seq`. */
export function toEntry(seq: number, record: JournalRecord): JournalEntry {
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

/** Bytes an entry keeps alive: its strings (UTF-16, as V8 holds most) plus a fixed overhead. */
export function recordBytes(record: JournalRecord): number {
  let n = 256 + record.method.length + record.path.length + (record.interaction?.length ?? 0);
  n += record.fault?.length ?? 0;
  for (const problem of record.problems) n += problem.length + 16;
  for (const side of [record.request, record.response]) {
    n += side.body === undefined ? 0 : side.body.length * 2;
    for (const [name, value] of Object.entries(side.headers)) {
      n += name.length + 32;
      if (Array.isArray(value)) for (const v of value) n += String(v).length;
      else if (value !== undefined) n += String(value).length;
    }
  }
  return n;
}

/** A journal entry written on arrival, to be completed when the request is answered or cut. */
export interface PendingEntry {
  complete(record: JournalRecord): void;
}

interface Slot {
  seq: number;
  record: JournalRecord;
  bytes: number;
  journal: Journal;
  live: boolean;
}

/**
 * One budget of bytes shared by every journal (the default state's and each session's): when an
 * entry takes it past `limitBytes`, the oldest entries across all journals go first.
 */
export class JournalBudget {
  usedBytes = 0;
  private queue: Slot[] = [];
  private head = 0;
  private live = 0;

  constructor(readonly limitBytes: number) {}

  /** @internal Journal.add */
  charge(slot: Slot): void {
    this.queue.push(slot);
    this.usedBytes += slot.bytes;
    this.live++;
    this.evictOverBudget();
    // Entries dropped by their own journal (ring overflow, clear) leave dead slots behind.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (this.queue.length - this.head > 2 * this.live + 1024) {
      this.queue = this.queue.slice(this.head).filter((s) => s.live);
      this.head = 0;
    }
  }

  /** @internal Journal.begin: an entry was replaced by one of another size. */
  resize(slot: Slot, bytes: number): void {
    if (!slot.live) return;
    this.usedBytes += bytes - slot.bytes;
    slot.bytes = bytes;
    this.evictOverBudget();
  }

  private evictOverBudget(): void {
    while (this.usedBytes > this.limitBytes && this.head < this.queue.length) {
      const oldest = this.queue[this.head++]!;
      if (oldest.live) oldest.journal.evict(oldest);
    }
  }

  /** @internal Journal: an entry left its journal. */
  release(slot: Slot): void {
    if (!slot.live) return;
    slot.live = false;
    this.usedBytes -= slot.bytes;
    this.live--;
  }
}

/** A bounded journal: at most `capacity` entries and its share of a shared byte budget; newest first on read. */
export class Journal {
  private entries: Slot[] = [];
  private head = 0;
  private counter = 0;

  constructor(
    readonly capacity: number,
    private readonly budget: JournalBudget = new JournalBudget(Number.POSITIVE_INFINITY),
  ) {}

  add(record: JournalRecord): void {
    this.push(record);
  }

  /**
   * Journal a request on arrival (status `pending`, the fault holding it); `complete` replaces the
   * entry with the answered one, or adds that anew when the entry has gone meanwhile (a reset
   * cleared the journal, the budget dropped it).
   */
  begin(record: JournalRecord): PendingEntry {
    const slot = this.push(record);
    return {
      complete: (done) => {
        if (!slot.live) {
          this.push(done);
          return;
        }
        slot.record = done;
        this.budget.resize(slot, recordBytes(done));
      },
    };
  }

  private push(record: JournalRecord): Slot {
    const slot: Slot = { seq: ++this.counter, record, bytes: recordBytes(record), journal: this, live: true };
    this.entries.push(slot);
    while (this.entries.length - this.head > this.capacity) this.dropOldest();
    this.budget.charge(slot);
    return slot;
  }

  /** @internal JournalBudget: drop this (the oldest) entry. */
  evict(slot: Slot): void {
    if (this.entries[this.head] === slot) {
      this.dropOldest();
      return;
    }
    const at = this.entries.indexOf(slot, this.head);
    if (at >= 0) {
      this.entries.splice(at, 1);
      this.budget.release(slot);
    }
  }

  private dropOldest(): void {
    const slot = this.entries[this.head];
    if (!slot) return;
    this.entries[this.head++] = undefined as unknown as Slot;
    this.budget.release(slot);
    if (this.head > 256 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * The newest `limit` entries with the newest seq and the size, for GET /_admin/requests and its
   * ETag. Here this journal's own; a shared one (application/shared-journal.ts) reads every replica's.
   */
  async read(limit = this.capacity): Promise<{ entries: JournalEntry[]; newestSeq: number; size: number }> {
    return { entries: this.list(limit), newestSeq: this.newestSeq, size: this.size };
  }

  list(limit = this.capacity): JournalEntry[] {
    const out: JournalEntry[] = [];
    for (let i = this.entries.length - 1; i >= this.head && out.length < limit; i--) {
      const { seq, record } = this.entries[i]!;
      out.push(toEntry(seq, record));
    }
    return out;
  }

  /** The newest entry's number (0 when empty), without formatting it. */
  get newestSeq(): number {
    return this.size === 0 ? 0 : this.entries[this.entries.length - 1]!.seq;
  }

  get size(): number {
    return this.entries.length - this.head;
  }

  /** The bytes this journal's kept entries count against the shared budget (recordBytes). */
  get bytes(): number {
    let n = 0;
    for (let i = this.head; i < this.entries.length; i++) n += this.entries[i]!.bytes;
    return n;
  }

  /**
   * This copy of the world is being dropped (its session expired): give its bytes back. A shared
   * journal (application/shared-journal.ts) forgets only its own copies; the store keeps the journal.
   */
  release(): void {
    this.clear();
  }

  clear(): void {
    for (let i = this.head; i < this.entries.length; i++) this.budget.release(this.entries[i]!);
    this.entries = [];
    this.head = 0;
  }
}
