import type { RedisJournalStore } from '../store/redis/journal-store.js';
import { StoreUnavailable } from '../store/store.js';
import {
  Journal,
  type JournalBudget,
  type JournalEntry,
  type JournalRecord,
  type PendingEntry,
  recordBytes,
  toEntry,
} from './journal.js';

/**
 * A world's journal with `--db redis://…`: every entry goes to the journal in Redis (one per
 * world, one byte budget for all, shared by the replicas; store/redis/journal-store.ts), so
 * GET /_admin/requests on any replica lists the requests every replica served. This replica also
 * keeps its own entries in memory (the library's synchronous `requests()` reads those).
 * Redis failures never reach the request: they are logged, and the entry is missing there.
 */
export class SharedJournal extends Journal {
  constructor(
    capacity: number,
    budget: JournalBudget,
    private readonly store: RedisJournalStore,
    /** The world's key (redis-store.ts worldKey). */
    private readonly world: string,
    private readonly onError: (error: Error) => void,
  ) {
    super(capacity, budget);
  }

  override add(record: JournalRecord): void {
    super.add(record);
    this.store.append(this.world, JSON.stringify(record), recordBytes(record)).catch(this.onError);
  }

  override begin(record: JournalRecord): PendingEntry {
    const local = super.begin(record);
    const seq = this.store.append(this.world, JSON.stringify(record), recordBytes(record)).catch((error) => {
      this.onError(error as Error);
      return 0;
    });
    return {
      complete: (done) => {
        local.complete(done);
        const json = JSON.stringify(done);
        void seq
          .then((at) =>
            at > 0
              ? this.store.complete(this.world, at, json, recordBytes(done))
              : this.store.append(this.world, json, recordBytes(done)),
          )
          .catch(this.onError);
      },
    };
  }

  override clear(): void {
    super.clear();
    this.store.clear(this.world).catch(this.onError);
  }

  /** Forget this replica's own copies only (another replica reset the world). */
  clearLocal(): void {
    super.clear();
  }

  /** Only this replica's copy of the world goes: the journal in Redis stays (store.drop removes it on expiry). */
  override release(): void {
    super.clear();
  }

  override async read(
    limit = this.capacity,
  ): Promise<{ entries: JournalEntry[]; newestSeq: number; size: number }> {
    let kept: Array<{ seq: number; json: string }>;
    let stats: { newestSeq: number; size: number };
    try {
      [kept, stats] = await Promise.all([this.store.list(this.world, limit), this.store.stats(this.world)]);
    } catch (error) {
      throw new StoreUnavailable(`the journal in Redis could not be read: ${(error as Error).message}`);
    }
    return {
      entries: kept.map(({ seq, json }) => toEntry(seq, JSON.parse(json) as JournalRecord)),
      newestSeq: stats.newestSeq,
      size: stats.size,
    };
  }
}
