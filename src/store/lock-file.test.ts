import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { emptyDocument, FileStore } from './file-store.js';
import { StoreError } from './store.js';

/** Issue 13 items 6 and 7: stale locks after PID reuse, and no link or FIFO followed. */

const dir = mkdtempSync(join(tmpdir(), 'gpc-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const children: ChildProcess[] = [];
const stores: FileStore[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const store of stores.splice(0)) await store.close();
});

let n = 0;
function dbPath(): string {
  return join(dir, `db-${++n}.json`);
}

function open(path: string): FileStore {
  const store = new FileStore(path, 'seed-a', false);
  stores.push(store);
  return store;
}

function startTime(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
}

async function child(command: string, args: string[]): Promise<number> {
  const proc = spawn(command, args, { stdio: 'ignore' });
  children.push(proc);
  await new Promise((resolve) => proc.once('spawn', resolve));
  // Let exec finish, so /proc shows the final command line.
  for (let i = 0; i < 50; i++) {
    if (readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8').includes(args[0]!)) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return proc.pid!;
}

const hasProc = existsSync('/proc/self/stat');

describe('FILE.lock', () => {
  it('is taken over when it holds our own PID from an earlier run (PID reuse after kill -9 in a container)', () => {
    const path = dbPath();
    writeFileSync(`${path}.lock`, String(process.pid));
    expect(() => open(path).load()).not.toThrow();
  });

  it('still refuses a second store in this process while the first holds the file', () => {
    const path = dbPath();
    open(path).load();
    expect(() => open(path).load()).toThrow(/in use by another sandbox/);
  });

  it.runIf(hasProc)('is taken over when its PID is a live process that is not a sandbox', async () => {
    const path = dbPath();
    const pid = await child('sleep', ['30']);
    writeFileSync(`${path}.lock`, String(pid));
    expect(() => open(path).load()).not.toThrow();
  });

  it.runIf(hasProc)(
    'is taken over when its PID now belongs to a process started at another time',
    async () => {
      const path = dbPath();
      const pid = await child(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
      writeFileSync(`${path}.lock`, `${pid} 1`);
      expect(() => open(path).load()).not.toThrow();
    },
  );

  it.runIf(hasProc)('is respected while the sandbox that wrote it runs', async () => {
    const path = dbPath();
    const pid = await child(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    for (const content of [`${pid} ${startTime(pid)}`, String(pid)]) {
      writeFileSync(`${path}.lock`, content);
      expect(() => open(path).load()).toThrow(new RegExp(`in use by another sandbox \\(process ${pid}`));
    }
  });
});

describe('the --db files are never followed through links nor waited on', () => {
  const target = () => {
    const file = join(dir, `target-${++n}`);
    writeFileSync(file, 'precious');
    return file;
  };

  it.each(['lock', 'log'])(
    'refuses FILE.%s as a symbolic link, naming it, and leaves the target alone',
    (ext) => {
      const path = dbPath();
      const victim = target();
      symlinkSync(victim, `${path}.${ext}`);
      const store = open(path);
      expect(() => store.load()).toThrow(StoreError);
      expect(() => store.load()).toThrow(new RegExp(`${path}\\.${ext} is a symbolic link`));
      expect(readFileSync(victim, 'utf8')).toBe('precious');
      expect(lstatSync(`${path}.${ext}`).isSymbolicLink()).toBe(true);
    },
  );

  it.each(['lock', 'log'])('refuses FILE.%s as a FIFO at once instead of hanging', (ext) => {
    const path = dbPath();
    execFileSync('mkfifo', [`${path}.${ext}`]);
    expect(() => open(path).load()).toThrow(new RegExp(`${path}\\.${ext} is a FIFO`));
  });

  it('writes through no link planted at a temporary file name, and leaves no temporary file', async () => {
    const path = dbPath();
    const victim = target();
    // steno's fixed temporary name, .FILE.tmp, was predictable.
    const planted = join(dir, `.${path.split('/').pop()}.tmp`);
    symlinkSync(victim, planted);
    const store = open(path);
    store.load();
    for (let i = 0; i < 3; i++) await store.save(() => ({ document: () => emptyDocument('seed-a') }));
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(emptyDocument('seed-a'));
    expect(lstatSync(planted).isSymbolicLink()).toBe(true);
  });
});
