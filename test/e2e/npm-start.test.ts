// `npm start` under a process manager: SIGTERM/SIGINT go to npm, npm passes them to its script's
// process, and that process must be the sandbox itself (the start script execs node), not a shell
// that dies and leaves the sandbox running with nobody to stop it.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

/** Resolves true once nothing accepts connections at `url`, false if it still answers after ~5 s. */
async function stopsAnswering(url: string): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    try {
      await fetch(`${url}/_admin/health`, { signal: AbortSignal.timeout(1000) });
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe.skipIf(process.platform === 'win32')('npm start passes signals to the sandbox', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s to npm stops the sandbox and npm exits', async (signal) => {
    const npm = spawn('npm', ['start', '--silent', '--', '--port', '0', '--quiet'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => npm.on('exit', (code) => resolve(code)));
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      npm.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      exited.then((code) => reject(new Error(`npm start exited with ${code} before the ready line: ${out}`)));
    });
    try {
      expect((await fetch(`${url}/_admin/health`)).status).toBe(200);
      npm.kill(signal);
      const npmExit = await Promise.race([
        exited,
        new Promise((r) => setTimeout(() => r('still running'), 10_000)),
      ]);
      expect(npmExit).not.toBe('still running');
      expect(await stopsAnswering(url)).toBe(true);
    } finally {
      if (npm.exitCode === null && npm.signalCode === null) npm.kill('SIGKILL');
    }
  });
});
