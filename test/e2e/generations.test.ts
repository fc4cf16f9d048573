import { afterEach, describe, expect, it } from 'vitest';
import { buildEnvelope } from '../../src/auth/build-headers.js';
import { type RunningSandbox, startSandbox } from '../../src/index.js';
import { seedExample } from '../helpers/bodies.js';

/**
 * A reset (or snapshot import) starts a new generation of a world: requests admitted under the
 * old one are cut, commit nothing, and say so in the journal; requests are journaled on arrival.
 */

const CLOCK = '2026-06-01T08:00:00+01:00';
const SLOT = 's1-202606020900';
let sandbox: RunningSandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

interface Journaled {
  path: string;
  method: string;
  status: number | string;
  fault?: string;
  problems: string[];
}

async function admin(sb: RunningSandbox, method: string, path: string, body?: unknown, session?: string) {
  const res = await fetch(`${sb.url}/_admin${path}`, {
    method,
    headers: {
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...(session ? { 'X-Sandbox-Session': session } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as unknown };
}

/** A booking that a fault holds for `delayMs`; resolves to its status or the network error. */
function heldBooking(sb: RunningSandbox, session?: string): Promise<string> {
  return fetch(`${sb.fhirBase}/Appointment`, {
    method: 'POST',
    headers: {
      ...buildEnvelope('create:appointment-1'),
      ...(session ? { 'X-Sandbox-Session': session } : {}),
    },
    body: JSON.stringify(seedExample(SLOT)),
    signal: AbortSignal.timeout(10_000),
  }).then(
    async (res) => {
      await res.text();
      return String(res.status);
    },
    (error: Error & { cause?: { code?: string } }) =>
      error.name === 'TimeoutError' ? 'timeout' : `error:${error.cause?.code ?? error.message}`,
  );
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function journal(sb: RunningSandbox, session?: string): Promise<Journaled[]> {
  return (await admin(sb, 'GET', '/requests', undefined, session)).body as Journaled[];
}

const pendingBooking = async (sb: RunningSandbox, session?: string) =>
  (await journal(sb, session)).some((e) => e.method === 'POST' && e.status === 'pending');

async function armHold(sb: RunningSandbox, session?: string): Promise<void> {
  const armed = await admin(
    sb,
    'POST',
    '/faults',
    { name: 'hold-booking', when: { method: 'POST', path: '/Appointment' }, delay: { fixed: 3000 } },
    session,
  );
  expect(armed.status).toBe(201);
}

describe('requests admitted before a reset', () => {
  it.each([
    ['a reset of the default state', undefined, (sb: RunningSandbox) => admin(sb, 'POST', '/reset')],
    [
      "a session's reset",
      'gen-session',
      (sb: RunningSandbox) => admin(sb, 'POST', '/reset', undefined, 'gen-session'),
    ],
    [
      'a snapshot import',
      undefined,
      async (sb: RunningSandbox) => {
        const snapshot = (await admin(sb, 'GET', '/snapshot')).body;
        return admin(sb, 'PUT', '/snapshot', snapshot);
      },
    ],
  ])('are cut by %s and commit nothing', async (_name, session, reset) => {
    sandbox = await startSandbox({ clock: CLOCK });
    const sb = sandbox;
    await armHold(sb, session);
    const booking = heldBooking(sb, session);
    await until(() => pendingBooking(sb, session), 'the held booking to be journaled');

    const started = Date.now();
    expect((await reset(sb)).status).toBe(200);
    const outcome = await booking;
    // Cut at once, not answered after the delay.
    expect(outcome).toMatch(/^error:/);
    expect(Date.now() - started).toBeLessThan(2500);

    // Nothing committed: no appointment, the slot still free, and the same booking now succeeds.
    await new Promise((r) => setTimeout(r, 3200));
    const state = (await admin(sb, 'GET', '/state', undefined, session)).body as {
      counts: { appointments: number };
    };
    expect(state.counts.appointments).toBe(0);
    const entries = await journal(sb, session);
    const cut = entries.find((e) => e.method === 'POST' && e.path.endsWith('/Appointment'));
    expect(cut?.status).toBe(0);
    expect(cut?.problems.join(' ')).toMatch(/cancelled by reset/);
    if (session === undefined) {
      // The reset removed the fault rule; a fresh booking is answered at once.
      expect(await heldBooking(sb, session)).toBe('201');
    }
  });

  it('cuts connections held by a hang fault', async () => {
    sandbox = await startSandbox({ clock: CLOCK });
    const sb = sandbox;
    const held = fetch(`${sb.fhirBase}/metadata`, {
      headers: { ...buildEnvelope('read:metadata-1'), 'X-Sandbox-Fault': 'drop=hang' },
      signal: AbortSignal.timeout(10_000),
    }).then(
      () => 'answered',
      (error: Error & { cause?: { code?: string } }) => (error.name === 'TimeoutError' ? 'timeout' : 'cut'),
    );
    await until(
      async () => (await journal(sb)).some((e) => e.path.endsWith('/metadata')),
      'the hang to be journaled',
    );
    expect((await admin(sb, 'POST', '/reset')).status).toBe(200);
    expect(await held).toBe('cut');
  });
});

describe('the journal', () => {
  it('shows a request held by a delay while it is held, with the fault holding it, then completes it', async () => {
    sandbox = await startSandbox({ clock: CLOCK });
    const sb = sandbox;
    const armed = await admin(sb, 'POST', '/faults', {
      name: 'slow-metadata',
      when: { path: '/metadata' },
      delay: { fixed: 800 },
    });
    expect(armed.status).toBe(201);
    const answered = fetch(`${sb.fhirBase}/metadata`, { headers: buildEnvelope('read:metadata-1') });
    await until(
      async () => (await journal(sb)).some((e) => e.path.endsWith('/metadata')),
      'the held request to be journaled',
    );
    const pending = (await journal(sb)).find((e) => e.path.endsWith('/metadata'))!;
    expect(pending.status).toBe('pending');
    expect(pending.fault).toBe('slow-metadata');

    expect((await answered).status).toBe(200);
    const entries = (await journal(sb)).filter((e) => e.path.endsWith('/metadata'));
    expect(entries).toHaveLength(1);
    expect(entries[0]!.status).toBe(200);
  });
});
