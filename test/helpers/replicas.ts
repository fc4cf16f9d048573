import { randomUUID } from 'node:crypto';
import { buildEnvelope } from '../../src/auth/build-headers.js';
import { type RunningCli, startCli } from './cli.js';
import type { TestRedis } from './redis-server.js';

export const CLOCK = '2026-06-01T08:00:00+01:00';

/** One `gpc-sandbox start --db redis://…` process this test started. */
export interface Replica extends RunningCli {
  /** Its name in assertion messages: A, B, C… */
  name: string;
}

/** A Redis key prefix no other test uses: `gpc-test-<label>-<random>`. */
export function uniquePrefix(label: string): string {
  return `gpc-test-${label}-${randomUUID().slice(0, 8)}`;
}

/**
 * Start `count` CLI replicas (`--port 0`) on one Redis, all with the same prefix, clock and extra
 * flags, as a demo environment runs them behind a load balancer. They start at once, as after a
 * deploy (whichever reaches Redis first sets the shared state up). Stop them with `stopReplicas`.
 */
export async function startReplicas(
  redis: TestRedis,
  options: { count: number; prefix: string; args?: string[]; clock?: string | null },
): Promise<Replica[]> {
  const replicas: Replica[] = [];
  const name = (i: number) => String.fromCharCode(65 + i);
  try {
    const others = await Promise.allSettled(
      Array.from({ length: options.count }, (_, i) => startReplica(redis, options.prefix, name(i), options)),
    );
    for (const o of others) if (o.status === 'fulfilled') replicas.push(o.value);
    const failed = others.find((o) => o.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (error) {
    await stopReplicas(replicas);
    throw error;
  }
  return replicas;
}

/** One more replica on `redis` under `prefix` (e.g. after another was killed). */
export async function startReplica(
  redis: TestRedis,
  prefix: string,
  name: string,
  options: { args?: string[]; clock?: string | null } = {},
): Promise<Replica> {
  const clock = options.clock === undefined ? CLOCK : options.clock;
  const cli = await startCli([
    '--db',
    redis.url,
    '--redis-prefix',
    prefix,
    ...(clock === null ? [] : ['--clock', clock]),
    '--quiet',
    ...(options.args ?? []),
  ]);
  return Object.assign(cli, { name });
}

/** Stop every replica still running (SIGKILL: their state is in Redis; nothing to flush). */
export async function stopReplicas(replicas: Array<RunningCli | undefined>): Promise<void> {
  await Promise.all(
    replicas.map(async (r) => {
      if (!r || r.child.exitCode !== null || r.child.signalCode !== null) return;
      await r.stop('SIGKILL');
    }),
  );
}

export interface Answer {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are read loosely
  body: any;
  text: string;
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body, text };
}

/**
 * A FHIR request to a replica with a fresh valid envelope for `interaction`; `body` is sent as FHIR
 * JSON. A 10 s client timeout, so a test fails instead of hanging if a replica stops answering.
 */
export async function fhir(
  replica: { url: string },
  interaction: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const res = await fetch(`${replica.url}${path}`, {
    method,
    headers: {
      ...buildEnvelope(interaction),
      ...(body === undefined ? {} : { 'Content-Type': 'application/fhir+json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  return answer(res);
}

/** An admin call (`/_admin/...`) to a replica, with a JSON body when one is given. */
export async function admin(
  replica: { url: string },
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const res = await fetch(`${replica.url}/_admin${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  return answer(res);
}

/** The Spine error code of an OperationOutcome answer, if it is one. */
export function spineCode(a: Answer): string | undefined {
  return a.body?.resourceType === 'OperationOutcome'
    ? a.body.issue?.[0]?.details?.coding?.[0]?.code
    : undefined;
}

/** The status of one slot in `GET /_admin/state` (`free`, `busy`, `busy-unavailable`). */
export async function slotStatus(
  replica: { url: string },
  slotId: string,
  headers: Record<string, string> = {},
): Promise<string | undefined> {
  const state = await admin(replica, 'GET', '/state?days=14', undefined, headers);
  if (state.status !== 200) throw new Error(`GET /_admin/state answered ${state.status}: ${state.text}`);
  return (state.body.slots as Array<{ id: string; status: string }>).find((s) => s.id === slotId)?.status;
}

/**
 * Poll `check` every 100 ms until it answers true, for at most `ms`; then throw naming `what` and
 * the last thing `check` saw (a string it answered, or the error it threw).
 */
export async function waitFor(what: string, check: () => Promise<true | string>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  let last = 'not checked yet';
  for (;;) {
    try {
      const seen = await check();
      if (seen === true) return;
      last = seen;
    } catch (error) {
      last = String(error);
    }
    if (Date.now() > deadline) throw new Error(`still waiting after ${ms} ms: ${what} (last seen: ${last})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
