import { SandboxState } from '../domain/state.js';
import type { FaultEngine } from '../faults/engine.js';
import { Generation } from './generation.js';
import { Journal, type JournalBudget } from './journal.js';

/**
 * One isolated sandbox: the default one, or a session's (X-Sandbox-Session). It shares the seed,
 * calendar and clock with every other world and owns only what changes.
 */
export class World {
  readonly state: SandboxState;
  readonly journal: Journal;
  /** Ssp-TraceIDs seen recently, to warn about reuse; bounded. */
  readonly traceIds = new BoundedSet(1000);
  /** When a request last used it: monotonic ms (Sessions' real time), 0 until then. */
  lastUsedMs = 0;
  #generation = new Generation();
  /**
   * Where this copy stands in a shared store (Redis): the world's generation and revision it was
   * read at, and the fault engine's revision then. Unused in memory and --db FILE.
   */
  replica: { gen: string; rev: number; faultsRevision: number } = { gen: '', rev: -1, faultsRevision: -1 };
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly id: string | undefined,
    readonly faults: FaultEngine,
    journalSize: number,
    state = new SandboxState(),
    /** The byte budget shared by every world's journal. */
    budget?: JournalBudget,
    /** Its journal when not one of its own in memory (a shared store's: application/shared-journal.ts). */
    journal?: Journal,
  ) {
    this.state = state;
    this.journal = journal ?? new Journal(journalSize, budget);
  }

  /**
   * Run `task` after every task queued before it on this world has settled: commands on one world
   * run one at a time in this process (a shared store's copy never mixes two uncommitted ones).
   */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => {});
    return run;
  }

  /** The generation requests admitted now belong to (application/generation.ts). */
  get generation(): Generation {
    return this.#generation;
  }

  /**
   * Start a new generation: requests admitted before now are cut and commit nothing; their
   * journal entries say `cancelled by <reason>`. Every reset and snapshot import calls it.
   */
  newGeneration(reason: string): void {
    const ended = this.#generation;
    this.#generation = new Generation();
    ended.end(reason);
  }

  /**
   * Back to the seed: appointments gone, slots free, journal cleared, faults back to the
   * scenario's; requests in flight are cut (newGeneration).
   */
  reset(): void {
    this.newGeneration('reset');
    this.state.clear();
    this.journal.clear();
    this.faults.reset();
    this.traceIds.clear();
  }
}

/** A Set that forgets its oldest members beyond a size. */
export class BoundedSet {
  private readonly items = new Set<string>();
  constructor(private readonly max: number) {}
  has(value: string): boolean {
    return this.items.has(value);
  }
  add(value: string): void {
    this.items.add(value);
    if (this.items.size > this.max) this.items.delete(this.items.values().next().value!);
  }
  clear(): void {
    this.items.clear();
  }
}
