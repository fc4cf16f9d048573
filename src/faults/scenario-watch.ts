/**
 * Hot reload of scenario files (`gpc-sandbox start --watch`): watches the folder of the scenario
 * file the sandbox started with and the bundled scenarios/ folder, and when the file of an active
 * scenario changes, validates it and hands the new rules over in one call. A file that cannot be
 * read or is not a valid scenario is reported (naming the file and the problem) and the rules
 * armed before stay armed.
 *
 * Folders are watched rather than files, and events are debounced, because editors save by
 * writing a temporary file and renaming it over the old one (the old file's watch would die).
 */
import { createHash } from 'node:crypto';
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Logger } from '../config.js';
import type { Scenario } from './rule.js';
import { bundledScenariosDir, isFileArgument, readScenarioFile, ScenarioError } from './scenarios.js';

export interface ScenarioWatchOptions {
  /** The `--scenario` argument the sandbox started with (a bundled name or a file), if any. */
  startedWith?: string;
  /** Names of the scenarios active now, in the default state or any session. */
  activeNames(): ReadonlySet<string>;
  /** Replace the rules of scenario `name` wherever it is active (admin-armed rules stay). */
  reload(name: string, scenario: Scenario): void;
  log?: Logger;
  /** Quiet time after the last event before a file is read, ms (default 150). */
  debounceMs?: number;
}

export interface ScenarioWatcher {
  /** The folders watched (absolute). */
  readonly folders: string[];
  close(): void;
}

interface WatchedFile {
  /** The scenario name the file defines (its base name without .json). */
  name: string;
  /** How log lines name the file. */
  label: string;
  /** Whether it is the file this name resolves to (a started-with file shadows a bundled one). */
  resolvesName: boolean;
}

/** Start watching; call close() to stop. Throws nothing: a folder that cannot be watched is logged. */
export function watchScenarios(options: ScenarioWatchOptions): ScenarioWatcher {
  const debounceMs = options.debounceMs ?? 150;
  const bundledDir = resolve(bundledScenariosDir());
  const startedFile =
    options.startedWith && isFileArgument(options.startedWith) ? resolve(options.startedWith) : undefined;
  const startedName = startedFile ? basename(startedFile, '.json') : undefined;
  const folders = [...new Set([bundledDir, ...(startedFile ? [dirname(startedFile)] : [])])];
  const lastText = new Map<string, string>();
  const timers = new Map<string, NodeJS.Timeout>();
  const watchers: FSWatcher[] = [];

  const describe = (path: string): WatchedFile => {
    const name = basename(path, '.json');
    if (path === startedFile) return { name, label: options.startedWith ?? path, resolvesName: true };
    if (dirname(path) === bundledDir)
      return { name, label: `scenarios/${basename(path)}`, resolvesName: name !== startedName };
    return { name, label: path, resolvesName: false };
  };

  const fingerprint = (path: string): string | undefined => {
    try {
      return createHash('sha256').update(readFileSync(path)).digest('hex');
    } catch {
      return undefined;
    }
  };
  // What is armed now came from these bytes; an event that leaves them unchanged changes nothing.
  if (startedFile) lastText.set(startedFile, fingerprint(startedFile) ?? '');

  const changed = (path: string) => {
    const file = describe(path);
    const active = file.resolvesName && options.activeNames().has(file.name);
    const hash = fingerprint(path);
    if (hash === undefined && !active) {
      lastText.delete(path); // deleted: nothing is armed from it
      return;
    }
    if (hash !== undefined && hash === lastText.get(path)) return;
    let scenario: Scenario;
    try {
      scenario = readScenarioFile(path, file.label);
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error;
      if (hash !== undefined) lastText.set(path, hash);
      options.log?.(
        'warn',
        active
          ? `scenario reload: ${error.message}; the previous rules of "${file.name}" stay armed`
          : `scenario file changed: ${error.message}`,
        { file: file.label, scenario: file.name },
      );
      return;
    }
    if (hash !== undefined) lastText.set(path, hash);
    if (!active) {
      options.log?.(
        'info',
        `scenario file ${file.label} changed; it is valid ("${file.name}" is not active)`,
        {
          file: file.label,
        },
      );
      return;
    }
    options.reload(file.name, scenario);
    options.log?.(
      'info',
      `scenario reload: "${file.name}" re-armed from ${file.label} (${scenario.rules.length} rule${scenario.rules.length === 1 ? '' : 's'})`,
      { file: file.label, scenario: file.name, rules: scenario.rules.length },
    );
  };

  const schedule = (path: string) => {
    clearTimeout(timers.get(path));
    const timer = setTimeout(() => {
      timers.delete(path);
      changed(path);
    }, debounceMs);
    timer.unref();
    timers.set(path, timer);
  };

  for (const folder of folders) {
    try {
      // persistent: false, so a sandbox left open does not keep a test process alive.
      const watcher = watch(folder, { persistent: false }, (_event, filename) => {
        if (filename && String(filename).endsWith('.json')) schedule(join(folder, String(filename)));
      });
      watcher.on('error', (error) =>
        options.log?.('warn', `scenario watch: ${folder}: ${error.message}`, { folder }),
      );
      watchers.push(watcher);
    } catch (error) {
      options.log?.('warn', `scenario watch: cannot watch ${folder} (${(error as Error).message})`, {
        folder,
      });
    }
  }

  return {
    folders,
    close() {
      for (const watcher of watchers) watcher.close();
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
