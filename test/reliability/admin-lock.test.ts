import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEnvelope } from '../../src/auth/build-headers.js';
import { type RunningSandbox, startSandbox } from '../../src/index.js';
import { PUBLIC_DIR } from '../../src/paths.js';
import { coreOf } from '../../src/testing.js';
import { seedExample } from '../helpers/bodies.js';
import { type RawResponse, rawRequest, requestBytes } from '../helpers/hostile.js';

/**
 * With --admin-token, no admin action is reachable without the token, however its path is
 * spelled; the FHIR base path never leads to admin; health and the page's files stay open.
 */

const TOKEN = 'lock-test-token-7f3a';
/** This file tries thousands of wrong tokens on purpose; throttling them is checked in test/http/admin-token-limits.test.ts. */
const UNTHROTTLED = { failures: Number.MAX_SAFE_INTEGER, windowMs: 60_000 };
const CLOCK = '2026-06-01T08:00:00+01:00';
const BASE = '/A/STU3/1/gpconnect';

interface Action {
  method: string;
  /** After /_admin/. */
  path: string;
  body?: unknown;
}

function actions(sandbox: RunningSandbox): Action[] {
  return [
    { method: 'GET', path: 'state' },
    { method: 'POST', path: 'reset' },
    { method: 'POST', path: 'reset?all=true' },
    { method: 'GET', path: 'requests' },
    { method: 'GET', path: 'scenarios' },
    { method: 'PUT', path: 'scenario', body: { name: 'slow-provider' } },
    { method: 'GET', path: 'faults' },
    { method: 'POST', path: 'faults', body: { name: 'sneaky', error: { code: 'BAD_REQUEST' } } },
    { method: 'DELETE', path: 'faults' },
    { method: 'DELETE', path: 'faults/sneaky' },
    { method: 'GET', path: 'clock' },
    { method: 'PUT', path: 'clock', body: { advance: 'PT1H' } },
    { method: 'GET', path: 'snapshot' },
    {
      method: 'PUT',
      path: 'snapshot',
      body: {
        schemaVersion: 1,
        seed: coreOf(sandbox).seed.fingerprint,
        clock: { offsetMs: 0 },
        state: { nextAppointmentId: 1, appointments: [], fixturePatients: [] },
      },
    },
    {
      method: 'POST',
      path: 'patients',
      body: { name: { family: 'Sneaky', given: ['Sam'] }, gender: 'male', birthDate: '1980-05-05' },
    },
    { method: 'POST', path: 'slots', body: { slotId: 's1-202606021000', status: 'busy' } },
    {
      method: 'POST',
      path: 'appointments',
      body: {
        patientId: '2',
        scheduleId: 's1',
        start: '2026-05-20T09:00:00+01:00',
        end: '2026-05-20T09:20:00+01:00',
        origin: 'not-gpconnect',
      },
    },
  ];
}

/** Spellings of /_admin/{p} that a lax router might take for it. */
function spellings(p: string, origin: string): string[] {
  const [path, query] = p.split('?') as [string, string | undefined];
  const q = query ? `?${query}` : '';
  const host = origin.replace(/^https?:\/\//, '');
  return [
    `/_admin/../_admin/${path}${q}`,
    `/_admin/./${path}${q}`,
    `/_admin/%2e%2e/_admin/${path}${q}`,
    `/_admin/%2E%2E/_admin/${path}${q}`,
    `/_admin/%2e/${path}${q}`,
    `/_admin//${path}${q}`,
    `//_admin/${path}${q}`,
    `/_admin%2F${path}${q}`,
    `/_admin%2f${path}${q}`,
    `/_admin/%2F${path}${q}`,
    `/_admin%5C${path}${q}`,
    `/_admin\\${path}${q}`,
    `/_ADMIN/${path}${q}`,
    `/_Admin/${path}${q}`,
    `/%5Fadmin/${path}${q}`,
    `/%5fadmin/${path}${q}`,
    `/_admin/${path}/${q}`,
    `/_admin/${path.toUpperCase()}${q}`,
    `/_admin/${path};x${q}`,
    `/_admin/${path}%00${q}`,
    `/_admin/${path}%20${q}`,
    `/_admin/${path}.json${q}`,
    `/_admin/health/../${path}${q}`,
    `/_admin/health/..%2F${path}${q}`,
    `/_admin/health%2F..%2F${path}${q}`,
    `/_admin/auth/../${path}${q}`,
    `/_admin/index.html/../${path}${q}`,
    `/_admin/%252e%252e/_admin/${path}${q}`,
    `/_admin/%u002e%u002e/_admin/${path}${q}`,
    `/x/https://${host}/_admin/${path}${q}`,
    `/x/http:/${host}/_admin/${path}${q}`,
    `/SSP/https://${host}${BASE}/_admin/${path}${q}`,
    `http://${host}/_admin/${path}${q}`,
    `http://evil.example/_admin/${path}${q}`,
    `${BASE}/_admin/${path}${q}`,
  ];
}

function send(
  sandbox: RunningSandbox,
  method: string,
  target: string,
  body?: unknown,
  headers: Array<[string, string]> = [],
) {
  const bytes = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return rawRequest(
    sandbox.port,
    requestBytes(
      method,
      target,
      [...(bytes ? ([['Content-Type', 'application/json']] as Array<[string, string]>) : []), ...headers],
      bytes,
    ),
  );
}

/**
 * What a request without the token may get: the path refused as not canonical (400, field
 * "path"), the token asked for (401), or a FHIR 4xx (the request never reached admin). Anything
 * else — a 2xx, or an admin error from past the token check — means the lock was passed.
 */
function lockProblem(res: RawResponse): string | undefined {
  if (res.status < 400 || res.status > 499) return `status ${res.status}: ${res.text.slice(0, 150)}`;
  let body: { field?: string; resourceType?: string };
  try {
    body = JSON.parse(res.text);
  } catch {
    return `not JSON: ${res.text.slice(0, 150)}`;
  }
  if (body.resourceType === 'OperationOutcome') return undefined;
  if (res.status === 400 && body.field === 'path') return undefined;
  if (res.status === 401 && body.field === 'X-Admin-Token') return undefined;
  return `an admin answer from past the lock: ${res.status} ${res.text.slice(0, 150)}`;
}

async function adminState(sandbox: RunningSandbox) {
  const res = await send(sandbox, 'GET', '/_admin/state', undefined, [['X-Admin-Token', TOKEN]]);
  expect(res.status).toBe(200);
  return JSON.parse(res.text) as {
    counts: { appointments: number; patients: number; busySlots: number };
    faults: unknown[];
    scenario: string | null;
    clock: { now: string };
  };
}

describe('the admin lock (--admin-token)', () => {
  let sandbox: RunningSandbox;
  let before: Awaited<ReturnType<typeof adminState>>;

  beforeAll(async () => {
    sandbox = await startSandbox({ adminToken: TOKEN, clock: CLOCK, tokenThrottle: UNTHROTTLED });
    const booked = await fetch(`${sandbox.url}/Appointment`, {
      method: 'POST',
      headers: { ...buildEnvelope('create:appointment-1'), 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify(seedExample()),
    });
    expect(booked.status).toBe(201);
    before = await adminState(sandbox);
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('answers every admin action without the token with 401, and with a wrong or doubled one', async () => {
    for (const action of actions(sandbox)) {
      for (const headers of [
        [],
        [['X-Admin-Token', `${TOKEN}x`]],
        [['X-Admin-Token', TOKEN.toUpperCase()]],
        [['X-Admin-Token', '']],
        [
          ['X-Admin-Token', 'wrong'],
          ['X-Admin-Token', TOKEN],
        ],
        [
          ['X-Admin-Token', TOKEN],
          ['X-Admin-Token', 'wrong'],
        ],
        [['Authorization', `Bearer ${TOKEN}`]],
        [['X-HTTP-Method-Override', 'GET']],
      ] as Array<Array<[string, string]>>) {
        const res = await send(sandbox, action.method, `/_admin/${action.path}`, action.body, headers);
        expect(res.status, `${action.method} /_admin/${action.path} ${JSON.stringify(headers)}`).toBe(401);
        expect(JSON.parse(res.text)).toMatchObject({ field: 'X-Admin-Token' });
      }
      const viaQuery = await send(
        sandbox,
        action.method,
        `/_admin/${action.path}${action.path.includes('?') ? '&' : '?'}token=${TOKEN}`,
        action.body,
      );
      expect(viaQuery.status).toBe(401);
    }
    for (const method of ['HEAD', 'OPTIONS', 'PATCH']) {
      for (const path of ['state', 'snapshot', 'requests', 'reset']) {
        const res = await send(sandbox, method, `/_admin/${path}`);
        expect(res.status, `${method} /_admin/${path}`).toBe(401);
      }
    }
  });

  it('reaches no admin action through any other spelling of its path', async () => {
    const failures: string[] = [];
    for (const action of actions(sandbox)) {
      for (const target of spellings(action.path, sandbox.url)) {
        const res = await send(sandbox, action.method, target, action.body);
        const problem = lockProblem(res);
        if (problem) failures.push(`${action.method} ${target}: ${problem}`);
      }
    }
    expect(failures).toEqual([]);
    // And nothing changed: the booking, faults, scenario, clock, patients, held slots.
    expect(await adminState(sandbox)).toEqual(before);
    expect(coreOf(sandbox).defaultWorld.faults.list()).toEqual([]);
  });

  it('leaves /_admin/health and every file of the page open, and serves nothing outside public/', async () => {
    const health = await send(sandbox, 'GET', '/_admin/health');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.text)).toEqual({ status: 'ok' });
    const page = await send(sandbox, 'GET', '/_admin/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const files = readdirSync(PUBLIC_DIR, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const relative = join(file.parentPath, file.name).slice(PUBLIC_DIR.length + 1);
      const res = await send(sandbox, 'GET', `/_admin/${relative}`);
      expect(res.status, relative).toBe(200);
      expect(res.body.equals(readFileSync(join(PUBLIC_DIR, relative))), relative).toBe(true);
    }
    const secret = readFileSync(join(PUBLIC_DIR, '..', 'package.json'), 'utf8').slice(0, 40);
    for (const target of [
      '/_admin/../package.json',
      '/_admin/%2e%2e/package.json',
      '/_admin/..%2fpackage.json',
      '/_admin/..%5cpackage.json',
      '/_admin/....//package.json',
      '/_admin/%2e%2e%2fpackage.json',
      '/_admin/.env',
      '/_admin/.git/config',
    ]) {
      const res = await send(sandbox, 'GET', target);
      expect(res.status, target).toBeGreaterThanOrEqual(400);
      expect(res.text).not.toContain(secret);
    }
  });
});

describe('the FHIR base path (--base-path)', () => {
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({
      adminToken: TOKEN,
      clock: CLOCK,
      tokenThrottle: UNTHROTTLED,
      basePath: BASE,
    });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('never exposes admin: every admin path under it is a 404 OperationOutcome, token or not', async () => {
    const host = sandbox.url.replace(/^https?:\/\//, '');
    for (const action of [
      ...actions(sandbox),
      { method: 'GET', path: 'health' },
      { method: 'GET', path: '' },
    ]) {
      for (const target of [
        `${BASE}/_admin/${action.path}`,
        `/x/https://${host}${BASE}/_admin/${action.path}`,
      ]) {
        for (const headers of [[], [['X-Admin-Token', TOKEN]]] as Array<Array<[string, string]>>) {
          const res = await send(sandbox, action.method, target, action.body, headers);
          expect(res.status, `${action.method} ${target}`).toBe(404);
          expect(res.headers['content-type']).toBe('application/fhir+json;charset=utf-8');
          expect(JSON.parse(res.text).resourceType).toBe('OperationOutcome');
        }
      }
    }
    const state = await send(sandbox, 'GET', '/_admin/state', undefined, [['X-Admin-Token', TOKEN]]);
    expect(JSON.parse(state.text).counts.appointments).toBe(0);
    expect(JSON.parse(state.text).clock.now).toBe(CLOCK);
  });
});
