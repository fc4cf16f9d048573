import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer, Socket } from 'node:net';

/** Where Debian's redis-server lives, if it is installed (.ci/run installs it). */
function findRedisServer(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export const REDIS_SERVER = findRedisServer();

/** True when redis-server is here; otherwise the suite says once that the Redis tests were skipped. */
export const hasRedis = REDIS_SERVER !== undefined;
if (!hasRedis)
  console.log('Redis tests skipped: redis-server not found on PATH (apt-get install -y redis-server)');

/** A redis-server this test started: on a free port, no persistence, stopped by stop(). */
export interface TestRedis {
  port: number;
  /** redis://127.0.0.1:PORT */
  url: string;
  child: ChildProcess;
  /** Stop it (SIGTERM, then SIGKILL after 3 s). */
  stop(): Promise<void>;
  /** Start it again on the same port, empty (no persistence): for outage tests. */
  restart(): Promise<TestRedis>;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });
}

/**
 * Start `redis-server` on a free port (or `port`) with no RDB snapshots and no AOF, bound to
 * 127.0.0.1, and resolve once it accepts connections. Throws when redis-server is not installed
 * (guard the test with `describe.skipIf(!hasRedis)`).
 */
export async function startRedis(port?: number): Promise<TestRedis> {
  if (!REDIS_SERVER) throw new Error('redis-server is not installed');
  const chosen = port ?? (await freePort());
  const child = spawn(
    REDIS_SERVER,
    [
      '--port',
      String(chosen),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'no',
      '--loglevel',
      'warning',
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  while (!(await accepts(chosen))) {
    if (child.exitCode !== null)
      throw new Error(`redis-server exited with ${child.exitCode} on port ${chosen}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not accept connections on port ${chosen} within 10 s`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const redis: TestRedis = {
    port: chosen,
    url: `redis://127.0.0.1:${chosen}`,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
    async restart() {
      await redis.stop();
      return startRedis(chosen);
    },
  };
  return redis;
}
