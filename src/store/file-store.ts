import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { type FileHandle, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type Adapter, Low } from 'lowdb';
import { releaseLock, takeLock } from './lock-file.js';
import { APPEND, CREATE_NEW, readRegularFile, refuseUnlessRegular } from './safe-files.js';
import {
  SCHEMA_VERSION,
  type StateStore,
  type StoreBatch,
  type StoreDelta,
  type StoreDocument,
  StoreError,
} from './store.js';

/**
 * lowdb's adapter for FILE: the whole document written to a temporary file with an unpredictable
 * name (created new, never through a link), then renamed over FILE, so FILE is always whole JSON.
 * With `fsync`, the file and its directory are synced before the rename counts as done (power
 * loss, not just kill -9). steno's fixed `.FILE.tmp` name is not used: a link planted there would
 * be written through.
 */
class AtomicJSONFile implements Adapter<StoreDocument> {
  constructor(
    private readonly path: string,
    private readonly fsync: boolean,
  ) {}
  async read(): Promise<StoreDocument | null> {
    return null; // FileStore reads FILE itself, with its checks
  }
  async write(data: StoreDocument): Promise<void> {
    const tmp = join(dirname(this.path), `${tempPrefix(this.path)}${randomBytes(12).toString('hex')}.tmp`);
    const file = await open(tmp, CREATE_NEW, 0o600);
    try {
      try {
        await file.writeFile(JSON.stringify(data));
        if (this.fsync) await file.sync();
      } finally {
        await file.close();
      }
      await rename(tmp, this.path);
    } catch (error) {
      await unlink(tmp).catch(() => {});
      throw error;
    }
    if (!this.fsync) return;
    const dir = await open(dirname(this.path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}

/** Temporary files of FILE are `.FILE.<random>.tmp` beside it. */
function tempPrefix(path: string): string {
  return `.${basename(path)}.`;
}

/** Past this many bytes of log, the next write compacts: the whole document, then an empty log. */
const COMPACT_AFTER_BYTES = 4 * 1024 * 1024;

/**
 * The --db store: FILE, a whole document written atomically (AtomicJSONFile: temp file, then
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
    this.db = new Low<StoreDocument>(new AtomicJSONFile(path, fsync), emptyDocument(expectedSeed));
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
   * FILE.lock until it closes; a stale lock (lock-file.ts) is taken over. FILE.log and FILE.lock
   * must be regular files: a link or a FIFO there is refused, naming it.
   */
  private lock(): void {
    const label = `--db ${this.path}`;
    refuseUnlessRegular(this.logPath, label);
    takeLock(`${this.path}.lock`, label);
    this.locked = true;
    this.removeStrayTemps();
  }

  /** Temporary files left by a kill mid-write (never links followed: unlink removes the link). */
  private removeStrayTemps(): void {
    const prefix = tempPrefix(this.path);
    let names: string[];
    try {
      names = readdirSync(dirname(this.path));
    } catch {
      return;
    }
    for (const name of names) {
      if (name.startsWith(prefix) && /^[0-9a-f]{24}\.tmp$/.test(name.slice(prefix.length)))
        rmSync(join(dirname(this.path), name), { force: true });
    }
  }

  private unlock(): void {
    if (this.locked) releaseLock(`${this.path}.lock`);
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
    const text = readRegularFile(this.logPath, `--db ${this.path}`);
    if (text === undefined) return [];
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
      // FILE itself may be a link (writes replace it, never write through it), not a FIFO.
      const stats = statSync(this.path);
      if (stats.isFIFO() || stats.isSocket() || stats.isCharacterDevice() || stats.isBlockDevice())
        throw new Error('a FIFO, socket or device, not a regular file');
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
    this.log ??= await open(this.logPath, APPEND, 0o600);
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
