import { closeSync, existsSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { CREATE_NEW, readRegularFile } from './safe-files.js';
import { StoreError } from './store.js';

/**
 * FILE.lock: which process holds a --db file. It records the holder's PID and, where /proc
 * exists, the process's start time, so a lock survives neither its process nor PID reuse: in a
 * container a restarted sandbox often gets the PID its killed predecessor had.
 */

/** Lock files this process holds: our own PID in a lock is ours only if it is listed here. */
const held = new Set<string>();

/** A process's start time in clock ticks since boot (/proc/PID/stat field 22), if readable. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
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

/** Could this process be a sandbox? Node (the CLI or a test runner using the API) or our CLI. */
function mayBeSandbox(pid: number): boolean {
  if (!existsSync('/proc/self/cmdline')) return true; // no /proc: cannot tell, assume it is
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return true; // hidden from us (hidepid): cannot tell, assume it is
  }
  const argv = cmdline.split('\0').filter(Boolean);
  return argv.some((arg) =>
    /(^|\/)(node|nodejs|bun|deno)(\d[\d.]*)?$|gpc-sandbox|gpconnect-sandbox/.test(arg),
  );
}

/**
 * Why the lock's holder no longer holds it, or undefined when it still does. Stale: a
 * malformed lock; our own PID but not a lock this process took (PID reuse after a restart); a
 * PID with no process; a process started at another time than the one recorded; or a process
 * that is not Node or the sandbox.
 */
function staleReason(content: string, lockPath: string): string | undefined {
  const [pidText, recordedStart] = content.trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return 'not a lock this sandbox wrote';
  if (pid === process.pid) return held.has(lockPath) ? undefined : 'our own PID, from an earlier run';
  if (!isAlive(pid)) return `process ${pid} is gone`;
  const now = startTime(pid);
  if (recordedStart !== undefined && now !== undefined && now !== recordedStart)
    return `PID ${pid} now belongs to another process`;
  if (!mayBeSandbox(pid)) return `process ${pid} is not a sandbox`;
  return undefined;
}

/**
 * Take `path` (FILE.lock) for this process, or throw a StoreError naming `label` (`--db FILE`):
 * held by another live sandbox, or not a regular file (a link or FIFO is refused, never
 * followed or waited on). A stale lock is taken over.
 */
export function takeLock(path: string, label: string): void {
  const lockPath = resolve(path);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockPath, CREATE_NEW, 0o600);
      try {
        writeSync(fd, `${process.pid} ${startTime(process.pid) ?? ''}`.trim());
      } finally {
        closeSync(fd);
      }
      held.add(lockPath);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST' && code !== 'ELOOP') {
        throw new StoreError(`${label}: cannot create ${path} (${code})`);
      }
    }
    const content = readRegularFile(lockPath, label);
    if (content === undefined) continue; // released meanwhile
    const stale = staleReason(content, lockPath);
    if (stale === undefined) {
      const pid = content.trim().split(/\s+/)[0];
      throw new StoreError(
        `${label} is in use by another sandbox (process ${pid}): stop it or pick another --db file`,
      );
    }
    try {
      unlinkSync(lockPath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new StoreError(`${label}: cannot remove the stale ${path} (${stale})`);
    }
  }
  throw new StoreError(`${label}: cannot take ${path}`);
}

/** Release a lock this process took (no-op otherwise). */
export function releaseLock(path: string): void {
  const lockPath = resolve(path);
  if (!held.delete(lockPath)) return;
  try {
    unlinkSync(lockPath);
  } catch {
    // Already gone.
  }
}
