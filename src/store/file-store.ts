import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type FileHandle, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type Adapter, Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import {
  SCHEMA_VERSION,
  type StateStore,
  type StoreBatch,
  type StoreDelta,
  type StoreDocument,
  StoreError,
} from './store.js';

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

/** Past this many bytes of log, the next write compacts: the whole document, then an empty log. */
const COMPACT_AFTER_BYTES = 4 * 1024 * 1024;

/**
 * The --db store: FILE, a whole document written atomically (lowdb JSONFile: temp file, then
 * rename), and FILE.log, the changes since, one JSON line per write. A booking appends one short
 * line rather than rewriting every appointment, so a write's cost does not grow with the state;
 * the log is folded back into FILE when it grows past COMPACT_AFTER_BYTES and on close.
 *
 * Group commit: one write in flight at a time; every save() that arrives while a write runs shares
 * the next one, which takes the changes as they are when it starts. Neither file ever holds the
 * generated slots, so a write costs the same whatever the size of the seed.
 */
export class FileStore implements StateStore {
  private readonly db: Low<StoreDocument>;
  private inFlight: Promise<void> | undefined;
  private locked = false;
  private next: { promise: Promise<void>; take: () => StoreBatch } | undefined;
  private readonly logPath: string;
  private log: FileHandle | undefined;
  private logBytes = 0;
  /** After a failed write, changes taken since may be missing from the log: write whole next. */
  private needsFull = false;
  private lastTake: (() => StoreBatch) | undefined;

  constructor(
    readonly path: string,
    private readonly expectedSeed: string,
    private readonly fsync: boolean,
  ) {
    const adapter = fsync ? new FsyncJSONFile(path) : new JSONFile<StoreDocument>(path);
    this.db = new Low<StoreDocument>(adapter, emptyDocument(expectedSeed));
    this.logPath = `${path}.log`;
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
    const base = this.readDocument();
    const log = this.readLog();
    if (!base && log.length === 0) return undefined;
    const doc = base ?? emptyDocument(this.expectedSeed);
    for (const delta of log) applyDelta(doc, delta);
    this.db.data = doc;
    return doc;
  }

  /** FILE.log's complete lines; a last line without its newline was torn by a kill, never acknowledged. */
  private readLog(): StoreDelta[] {
    if (!existsSync(this.logPath)) return [];
    const text = readFileSync(this.logPath, 'utf8');
    this.logBytes = Buffer.byteLength(text);
    // The first write folds the log into FILE (and drops any torn last line with it).
    this.needsFull = this.logBytes > 0;
    const lines = text.split('\n');
    lines.pop();
    return lines.map((line, i) => {
      try {
        const delta = JSON.parse(line) as StoreDelta;
        if (!Array.isArray(delta.appointments) || typeof delta.nextAppointmentId !== 'number')
          throw new Error('not a change');
        return delta;
      } catch {
        throw new StoreError(`--db ${this.logPath}: line ${i + 1} is damaged; it was left untouched.`);
      }
    });
  }

  private readDocument(): StoreDocument | undefined {
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
    return doc as StoreDocument;
  }

  save(take: () => StoreBatch): Promise<void> {
    this.lastTake = take;
    if (!this.inFlight) return this.startWrite(take);
    if (this.next) {
      this.next.take = take;
      return this.next.promise;
    }
    const entry: { promise: Promise<void>; take: () => StoreBatch } = { take, promise: Promise.resolve() };
    const write = (): Promise<void> => this.startWrite(entry.take);
    entry.promise = this.inFlight.then(write, write);
    this.next = entry;
    return entry.promise;
  }

  private startWrite(take: () => StoreBatch): Promise<void> {
    this.next = undefined;
    const batch = take();
    const whole = this.needsFull || !batch.delta || this.logBytes > COMPACT_AFTER_BYTES;
    const write = (whole ? this.writeWhole(batch.document()) : this.append(batch.delta!))
      .catch((error: unknown) => {
        this.needsFull = true;
        throw error;
      })
      .finally(() => {
        if (this.inFlight === write) this.inFlight = undefined;
      });
    this.inFlight = write;
    return write;
  }

  private async append(delta: StoreDelta): Promise<void> {
    const line = `${JSON.stringify(delta)}\n`;
    this.log ??= await open(this.logPath, 'a');
    await this.log.appendFile(line);
    if (this.fsync) await this.log.datasync();
    this.logBytes += Buffer.byteLength(line);
  }

  /** The whole document, atomically; then the log it now contains is emptied. */
  private async writeWhole(document: StoreDocument): Promise<void> {
    this.db.data = document;
    await this.db.write();
    if (this.logBytes > 0 || existsSync(this.logPath)) {
      await this.log?.close();
      this.log = undefined;
      await unlink(this.logPath).catch(() => {});
      this.logBytes = 0;
    }
    this.needsFull = false;
  }

  async close(): Promise<void> {
    while (this.inFlight || this.next) await (this.next?.promise ?? this.inFlight)?.catch(() => {});
    // Leave one self-contained file behind.
    if (this.logBytes > 0) {
      const document = this.lastTake ? this.lastTake().document() : this.db.data;
      await this.writeWhole(document).catch(() => {});
    }
    await this.log?.close();
    this.log = undefined;
    this.unlock();
  }
}

/** Replay one logged change onto a document (idempotent: a record replaces its id's). */
function applyDelta(doc: StoreDocument, delta: StoreDelta): void {
  const byId = new Map(doc.state.appointments.map((a, i) => [a.id, i]));
  for (const record of delta.appointments) {
    const at = byId.get(record.id);
    if (at === undefined) {
      byId.set(record.id, doc.state.appointments.length);
      doc.state.appointments.push(record);
    } else doc.state.appointments[at] = record;
  }
  doc.state.nextAppointmentId = delta.nextAppointmentId;
  doc.clock = delta.clock;
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
