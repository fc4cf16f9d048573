import { closeSync, constants, lstatSync, openSync, readFileSync, type Stats } from 'node:fs';
import { StoreError } from './store.js';

/**
 * Opening the --db store's own files (FILE.lock, FILE.log, temporary files) without following a
 * symbolic link or blocking on a FIFO: a link planted where one of them goes would otherwise
 * have the sandbox write through it, and a FIFO would hang start-up (CWE-59, CWE-377).
 */

/** O_NOFOLLOW where the platform has it (Linux, macOS); 0 elsewhere, where lstat still guards. */
export const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;

function kind(stats: Stats): string {
  if (stats.isSymbolicLink()) return 'a symbolic link';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/**
 * Throws a StoreError naming `path` when something other than a regular file is there (a
 * symbolic link, a FIFO, a directory, a device); nothing there is fine. `label` starts the
 * message, e.g. `--db data.json`.
 */
export function refuseUnlessRegular(path: string, label: string): void {
  let stats: Stats;
  try {
    stats = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new StoreError(`${label}: cannot inspect ${path} (${(error as NodeJS.ErrnoException).code})`);
  }
  if (!stats.isFile()) {
    throw new StoreError(
      `${label}: ${path} is ${kind(stats)}; the sandbox writes only regular files it can see: remove it, or pick another --db file`,
    );
  }
}

/** Read a regular file without following a link or waiting on a FIFO; undefined when absent. */
export function readRegularFile(path: string, label: string): string | undefined {
  refuseUnlessRegular(path, label);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') refuseUnlessRegular(path, label);
    throw new StoreError(`${label}: cannot read ${path} (${code})`);
  }
  try {
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** Flags for creating a file that must not exist yet and must not be reached through a link. */
export const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW;

/** Flags for appending to a file, creating it if absent, never through a link. */
export const APPEND = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | O_NOFOLLOW;
