import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEnvelope } from '../../src/auth/build-headers.js';
import { type RunningSandbox, startSandbox } from '../../src/index.js';
import { coreOf } from '../../src/testing.js';
import { gpcBooking, seedExample } from '../helpers/bodies.js';
import {
  type HostileCase,
  hostileCorpus,
  type RawResponse,
  rawRequest,
  requestBytes,
} from '../helpers/hostile.js';

const CLOCK = '2026-06-01T08:00:00+01:00';
const TAKEN = 's1-202606020900';
const FHIR_JSON = 'application/fhir+json;charset=utf-8';
const FHIR_XML = 'application/fhir+xml;charset=utf-8';
const MB = 1024 * 1024;

/** Why a response is not a proper 4xx GPConnect-OperationOutcome-1, or undefined when it is. */
function outcomeProblem(res: RawResponse, status?: number): string | undefined {
  if (status !== undefined && res.status !== status) return `status ${res.status}, owed ${status}`;
  if (res.status < 400 || res.status > 499) return `status ${res.status}: ${res.text.slice(0, 200)}`;
  if (res.headers['cache-control'] !== 'no-store') return `Cache-Control ${res.headers['cache-control']}`;
  const type = res.headers['content-type'];
  if (type === FHIR_XML) {
    if (!/^<OperationOutcome xmlns="http:\/\/hl7.org\/fhir">/.test(res.text.replace(/^<\?xml[^>]*>\s*/, '')))
      return `not an XML OperationOutcome: ${res.text.slice(0, 200)}`;
    return /<diagnostics value="[^"]+"\/>/.test(res.text) ? undefined : 'no diagnostics';
  }
  if (type !== FHIR_JSON) return `Content-Type ${type}: ${res.text.slice(0, 200)}`;
  let body: {
    resourceType?: string;
    issue?: Array<{ details?: { coding?: unknown[] }; diagnostics?: unknown }>;
  };
  try {
    body = JSON.parse(res.text);
  } catch {
    return `not JSON: ${res.text.slice(0, 200)}`;
  }
  if (body.resourceType !== 'OperationOutcome') return `a ${body.resourceType}, not an OperationOutcome`;
  if (body.issue?.length !== 1 || body.issue[0]?.details?.coding?.length !== 1)
    return 'not exactly one issue with one coding';
  if (typeof body.issue[0].diagnostics !== 'string' || body.issue[0].diagnostics === '')
    return 'no diagnostics';
  return undefined;
}

/** Run the cases a few at a time; collect every case that was not answered properly. */
async function runCorpus(port: number, cases: HostileCase[], parallel = 8): Promise<string[]> {
  const failures: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const c = cases[next++]!;
      try {
        const res = await rawRequest(port, c.bytes, { timeoutMs: 15_000 });
        const problem = outcomeProblem(res, c.status);
        if (problem) failures.push(`${c.name}: ${problem}`);
      } catch (error) {
        failures.push(`${c.name}: ${(error as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return failures;
}

function post(sandbox: RunningSandbox, body: string | Buffer, headers: Record<string, string> = {}) {
  return rawRequest(
    sandbox.port,
    requestBytes(
      'POST',
      '/Appointment',
      Object.entries({
        ...buildEnvelope('create:appointment-1'),
        'Content-Type': 'application/fhir+json',
        ...headers,
      }),
      Buffer.from(body),
    ),
  );
}

/** Nothing a request body or header said has reached Object.prototype. */
function expectCleanPrototype(): void {
  expect(Object.keys(Object.prototype)).toEqual([]);
  const probe: Record<string, unknown> = {};
  for (const key of ['status', 'polluted', 'id', 'actor', 'slot', 'drop', 'iss', 'exp'])
    expect(probe[key], key).toBeUndefined();
}

describe.each(['careconnect', 'gpconnect-1.2.7'] as const)('hostile requests (%s)', (profile) => {
  let sandbox: RunningSandbox;
  let corpus: HostileCase[];
  let booking: Record<string, unknown>;

  beforeAll(async () => {
    sandbox = await startSandbox({ profile, clock: CLOCK });
    booking = profile === 'careconnect' ? seedExample(TAKEN) : gpcBooking();
    const booked = await post(sandbox, JSON.stringify(booking));
    expect(booked.status, booked.text).toBe(201);
    const appointment = JSON.parse(booked.text) as Record<string, unknown>;
    corpus = hostileCorpus({ booking, appointment });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('has at least 150 distinct cases covering every target', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(150);
    expect(new Set(corpus.map((c) => c.name)).size).toBe(corpus.length);
    expect(new Set(corpus.map((c) => c.target))).toEqual(
      new Set(['POST /Appointment', 'GET /Slot', 'GET /Patient', 'PUT /Appointment/{id}', 'parser']),
    );
  });

  it('answers every case with a 4xx OperationOutcome: no 5xx, no hang, no dropped connection', async () => {
    const failures = await runCorpus(sandbox.port, corpus);
    expect(failures).toEqual([]);

    // Still serving, nothing booked, changed or polluted.
    const health = await fetch(`${sandbox.url}/_admin/health`);
    expect(await health.json()).toEqual({ status: 'ok' });
    const state = sandbox.state();
    expect(state.counts.appointments).toBe(1);
    expect(state.appointments[0]).toMatchObject({ status: 'booked', meta: { versionId: '1' } });
    expect(coreOf(sandbox).sessions.size).toBe(0);
    expectCleanPrototype();
  });
});

describe('what the server sees', () => {
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ clock: CLOCK });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('is never changed by __proto__: a status only under __proto__ is a missing status', async () => {
    const { status: _status, ...withoutStatus } = seedExample('s1-202606021000');
    const missing = await post(sandbox, JSON.stringify(withoutStatus));
    const text = JSON.stringify(withoutStatus);
    const viaProto = await post(sandbox, text.replace('{', '{"__proto__":{"status":"booked"},'));
    const viaConstructor = await post(
      sandbox,
      text.replace('{', '{"constructor":{"prototype":{"status":"booked"}},'),
    );
    for (const res of [missing, viaProto, viaConstructor]) {
      expect(outcomeProblem(res, 422)).toBeUndefined();
    }
    const diagnostics = (res: RawResponse) => JSON.parse(res.text).issue[0].diagnostics as string;
    expect(diagnostics(missing)).toMatch(/status/);
    expect(diagnostics(viaProto)).toBe(diagnostics(missing));
    // constructor is a plain (unknown) element, never a way to the prototype.
    expect(diagnostics(viaConstructor)).toMatch(/^constructor is not an element/);
    expect(sandbox.state().counts.appointments).toBe(0);
    expectCleanPrototype();
  });

  it('takes a body of exactly 1 MB and refuses 1 MB + 1 byte with 413', async () => {
    const body = JSON.stringify(seedExample(TAKEN));
    const exact = Buffer.concat([Buffer.from(body), Buffer.alloc(MB - body.length, 0x20)]);
    const atLimit = await post(sandbox, exact);
    expect(atLimit.status, atLimit.text).toBe(201);
    const over = await post(sandbox, Buffer.concat([exact, Buffer.from(' ')]));
    expect(outcomeProblem(over, 413)).toBeUndefined();
    expect(JSON.parse(over.text).issue[0].diagnostics).toMatch(/1 MB/);
  });

  it("answers what Node's parser refuses through the clientError handler: 400, or 431 for big headers", async () => {
    const bad = await rawRequest(
      sandbox.port,
      'GET /metadata HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\x00b\r\n\r\n',
    );
    expect(outcomeProblem(bad, 400)).toBeUndefined();
    expect(bad.headers['connection']).toBe('close');
    expect(JSON.parse(bad.text).issue[0].diagnostics).toMatch(/not valid HTTP \(HPE_/);
    const big = await rawRequest(
      sandbox.port,
      `GET /metadata HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
    );
    expect(outcomeProblem(big, 431)).toBeUndefined();
    const health = await fetch(`${sandbox.url}/_admin/health`);
    expect(health.status).toBe(200);
  });
});
