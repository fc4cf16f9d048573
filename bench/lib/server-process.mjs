/**
 * Child servers for the bench: spawn (pinned to core 0 when `taskset` can), wait for the ready line,
 * read their resident memory, stop them the way a user would (SIGTERM).
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

/** The checkout this bench belongs to: relative script paths (dist/cli/main.js) resolve here. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const READY = /listening on (https?:\/\/\S+)/;

/**
 * How the bench shares the machine: the server on core 0 and the load (this process) on core 1,
 * when `taskset` exists and there are two cores; otherwise a sentence saying why not.
 */
export function planPinning() {
  const cores = availableParallelism();
  const probe = spawnSync('taskset', ['-V'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    return { pinned: false, cores, note: 'taskset not found (util-linux): server and load share all cores' };
  }
  if (cores < 2) {
    return { pinned: false, cores, note: 'one core only: server and load share it' };
  }
  const self = spawnSync('taskset', ['-a', '-cp', '1', String(process.pid)], { encoding: 'utf8' });
  if (self.status !== 0) {
    return { pinned: false, cores, note: `taskset failed: ${self.stderr.trim()}` };
  }
  return {
    pinned: true,
    cores,
    note: `server pinned to core 0, load generator to core 1 (of ${cores}); other processes on the machine are not pinned`,
  };
}

/**
 * Spawn `node ...args` and resolve once stdout shows the ready line: { pid, url, readyMs, readyCpuMs,
 * stop() }. readyMs runs from just before spawn() to the line's arrival; readyCpuMs is the CPU time
 * the child had used by then.
 */
export function spawnServer({ args, pin, nodeFlags = [], cwd = ROOT, env, timeoutMs = 30_000 }) {
  const command = pin ? 'taskset' : process.execPath;
  const argv = pin ? ['-c', '0', process.execPath, ...nodeFlags, ...args] : [...nodeFlags, ...args];
  const started = performance.now();
  const child = spawn(command, argv, { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no ready line within ${timeoutMs} ms from node ${argv.join(' ')}\n${stderr}`));
    }, timeoutMs);
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.stdout.on('data', (chunk) => {
      if (stdout === null) return;
      stdout += chunk;
      const m = READY.exec(stdout);
      if (!m) return;
      const readyMs = performance.now() - started;
      const readyCpuMs = cpuSeconds(child.pid) * 1000;
      stdout = null;
      clearTimeout(timer);
      resolve({
        pid: child.pid,
        url: m[1],
        readyMs,
        readyCpuMs,
        stderr: () => stderr,
        stop: () => stopChild(child, exited),
      });
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      if (stdout !== null) {
        reject(
          new Error(`exited (${code ?? signal}) before its ready line: node ${argv.join(' ')}\n${stderr}`),
        );
      }
    });
  });
}

async function stopChild(child, exited) {
  if (child.exitCode !== null || child.signalCode !== null) return exited;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const result = await exited;
  clearTimeout(timer);
  return result;
}

/** VmRSS of a process in MB (from /proc; NaN where there is no /proc). */
export function rssMb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return kb ? Number(kb[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/**
 * CPU time (user + system, all threads) a process has used, in seconds, from /proc/PID/stat; NaN
 * where there is no /proc. Unlike throughput, CPU per request hardly moves when other processes
 * compete for the core, so it is the steadier figure on a shared machine.
 */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command: state is field 3, utime 14 and stime 15 (1-based, proc(5)).
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return Number.NaN;
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
