import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type Adapter, Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import { SCHEMA_VERSION, type StateStore, type StoreDocument, StoreError } from './store.js';

/**
 * lowdb's JSONFile (steno: write to a temp file, then rename) plus an fsync of the file and its
 * directory before the rename counts as done, for --fsync (power loss, not just kill -9).
 */
class FsyncJSONFile implements Adapter<StoreDocument> {
  constructor(private readonly path: string) {}
  async read(): Promise<StoreDocument | null> {
    return new JSONFile<StoreDocument>(this.path).read();
  }
  async write(data: StoreDocument): Promise<void> {
    // One fixed name (as steno uses), so a kill mid-write leaves at most one stray file, reused next time.
    const tmp = join(dirname(this.path), `.${basename(this.path)}.tmp`);
    const file = await open(tmp, 'w');
    try {
      await file.writeFile(JSON.stringify(data));
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, this.path);
    const dir = await open(dirname(this.path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}

/**
 * The --db store. Group commit: one write in flight at a time; every save() that arrives while a
 * write runs shares the next one, which snapshots the state as it is when it starts. The file
 * holds only what changes (appointments, counters, clock), never the generated slots, so a write
 * costs the same whatever the size of the seed.
 */
export class FileStore implements StateStore {
  private readonly db: Low<StoreDocument>;
  private inFlight: Promise<void> | undefined;
  private locked = false;
  private next: { promise: Promise<void>; snapshot: () => StoreDocument } | undefined;

  constructor(
    readonly path: string,
    private readonly expectedSeed: string,
    fsync: boolean,
  ) {
    const adapter = fsync ? new FsyncJSONFile(path) : new JSONFile<StoreDocument>(path);
    this.db = new Low<StoreDocument>(adapter, emptyDocument(expectedSeed));
  }

  load(): StoreDocument | undefined {
    this.lock();
    try {
      return this.read();
    } catch (error) {
      this.unlock();
      throw error;
    }
  }

  /**
   * Two sandboxes writing one file would silently overwrite each other: the first to start holds
   * FILE.lock (its pid) until it closes. A lock left by a killed process is taken over.
   */
  private lock(): void {
    const lockPath = `${this.path}.lock`;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
        this.locked = true;
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new StoreError(
            `--db ${this.path}: cannot create ${lockPath} (${(error as NodeJS.ErrnoException).code})`,
          );
        }
      }
      const holder = Number(readFileSync(lockPath, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
        throw new StoreError(
          `--db ${this.path} is in use by another sandbox (process ${holder}): stop it or pick another --db file`,
        );
      }
      rmSync(lockPath, { force: true });
    }
    throw new StoreError(`--db ${this.path}: cannot take ${lockPath}`);
  }

  private unlock(): void {
    if (this.locked) rmSync(`${this.path}.lock`, { force: true });
    this.locked = false;
  }

  private read(): StoreDocument | undefined {
    if (!existsSync(this.path)) return undefined;
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      throw new StoreError(`--db ${this.path}: cannot read the file (${(error as Error).message})`);
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (error) {
      // JSON.parse quotes the text it met: keep the message on one printable line.
      const reason = (error as Error).message.replace(/\s+/g, ' ').replace(/[^\x20-\x7e]/g, '?');
      throw new StoreError(
        `--db ${this.path}: not valid JSON (${reason}); it was left untouched. Move it away or pick another --db file.`,
      );
    }
    const problem = documentProblem(doc, this.expectedSeed);
    if (problem) throw new StoreError(`--db ${this.path}: ${problem}; it was left untouched.`);
    this.db.data = doc as StoreDocument;
    return this.db.data;
  }

  save(snapshot: () => StoreDocument): Promise<void> {
    if (!this.inFlight) return this.startWrite(snapshot);
    if (this.next) {
      this.next.snapshot = snapshot;
      return this.next.promise;
    }
    const entry: { promise: Promise<void>; snapshot: () => StoreDocument } = {
      snapshot,
      promise: Promise.resolve(),
    };
    const write = (): Promise<void> => this.startWrite(entry.snapshot);
    entry.promise = this.inFlight.then(write, write);
    this.next = entry;
    return entry.promise;
  }

  private startWrite(snapshot: () => StoreDocument): Promise<void> {
    this.next = undefined;
    this.db.data = snapshot();
    const write = this.db.write().finally(() => {
      if (this.inFlight === write) this.inFlight = undefined;
    });
    this.inFlight = write;
    return write;
  }

  async close(): Promise<void> {
    while (this.inFlight || this.next) await (this.next?.promise ?? this.inFlight)?.catch(() => {});
    this.unlock();
  }

  /** Used by tests: remove the file. */
  async destroy(): Promise<void> {
    await this.close();
    await unlink(this.path).catch(() => {});
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function emptyDocument(seed: string): StoreDocument {
  return {
    schemaVersion: SCHEMA_VERSION,
    seed,
    clock: { offsetMs: 0 },
    state: { nextAppointmentId: 1, appointments: [], fixturePatients: [] },
  };
}

function documentProblem(doc: unknown, expectedSeed: string): string | undefined {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    return 'not a gpconnect-sandbox db file (expected a JSON object)';
  const d = doc as Partial<StoreDocument>;
  if (d.schemaVersion === undefined || d.state === undefined) {
    return 'not a gpconnect-sandbox db file (no schemaVersion/state): refusing to overwrite it';
  }
  if (d.schemaVersion !== SCHEMA_VERSION) {
    return `written by schema version ${String(d.schemaVersion)}, this sandbox reads version ${SCHEMA_VERSION}`;
  }
  if (d.seed !== expectedSeed) {
    return `written for another seed (${String(d.seed)}, this one is ${expectedSeed}): start with that seed, or use another --db file`;
  }
  const s = d.state as Partial<StoreDocument['state']>;
  if (
    !Array.isArray(s.appointments) ||
    typeof s.nextAppointmentId !== 'number' ||
    !Array.isArray(s.fixturePatients)
  ) {
    return 'state is damaged (appointments, nextAppointmentId or fixturePatients missing)';
  }
  if (typeof d.clock !== 'object' || d.clock === null) return 'clock is missing';
  return undefined;
}
