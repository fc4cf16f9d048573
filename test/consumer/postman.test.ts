import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import vm from 'node:vm';
import newman, { type NewmanRunSummary } from 'newman';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { londonOffsetMinutes } from '../../src/domain/london-time.js';
import { type RunningSandbox, startSandbox } from '../../src/index.js';
import { postmanCollection } from '../../src/postman/collection.js';
import { CLI } from '../helpers/cli.js';

const BASE_PATH = '/A20047/STU3/1/gpconnect';
const run = promisify(execFile);

let sandbox: RunningSandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

/** What `gpc-sandbox postman --base-path P` prints, parsed. */
let printed: Record<string, unknown>;
beforeAll(async () => {
  const { stdout } = await run(process.execPath, [CLI, 'postman', '--base-path', BASE_PATH]);
  printed = JSON.parse(stdout);
});

/** Run a collection with newman's Node API, quietly; resolves with the run summary. */
function runNewman(
  collection: object,
  envVar: Array<{ key: string; value: string }>,
): Promise<NewmanRunSummary> {
  return new Promise((resolve, reject) => {
    newman.run({ collection: collection as never, envVar, reporters: [] }, (error, summary) =>
      error ? reject(error) : resolve(summary),
    );
  });
}

function failures(summary: NewmanRunSummary): string[] {
  return summary.run.failures.map((f) => `${f.source?.name ?? '?'}: ${f.error.name}: ${f.error.message}`);
}

describe('gpc-sandbox postman, run by newman', () => {
  it.each(['careconnect', 'gpconnect-1.2.7'] as const)(
    'runs green against a fresh %s sandbox, every envelope valid',
    async (profile) => {
      sandbox = await startSandbox({ profile, basePath: BASE_PATH });
      const summary = await runNewman(printed, [{ key: 'baseUrl', value: sandbox.fhirBase }]);
      expect(failures(summary)).toEqual([]);
      expect(summary.run.stats.requests.total).toBe(9);
      expect(summary.run.stats.assertions.failed).toBe(0);
      expect(summary.run.stats.assertions.total).toBe(10);
      // What the sandbox saw: the whole flow, each request with a distinct trace id and no
      // envelope problem at all (strict auth refuses any; lenient would only warn).
      const journal = sandbox.requests().reverse();
      expect(journal.map((e) => `${e.method} ${e.status}`)).toEqual([
        'GET 200',
        'GET 200',
        'GET 200',
        'POST 201',
        `POST ${profile === 'careconnect' ? 422 : 409}`,
        'GET 200',
        'PUT 200',
        'PUT 200',
        'GET 200',
      ]);
      // The one problem is the slot-taken booking's own error.
      expect(journal.map((e) => e.problems)).toEqual(
        journal.map((_e, i) => (i === 4 ? [expect.stringContaining('is no longer free')] : [])),
      );
      const traceIds = new Set(journal.map((e) => e.request.headers['ssp-traceid']));
      expect(traceIds.size).toBe(9);
      const state = sandbox.state();
      expect(state.appointments).toHaveLength(1);
      expect(state.appointments[0]).toMatchObject({ status: 'cancelled' });
    },
  );

  it('with --profile, fails at the metadata request when the sandbox runs another profile', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'postman', '--profile', 'gpconnect-1.2.7']);
    const pinned = JSON.parse(stdout) as object;
    sandbox = await startSandbox({ profile: 'careconnect' });
    const wrong = await runNewman(pinned, [{ key: 'baseUrl', value: sandbox.fhirBase }]);
    expect(failures(wrong)[0]).toMatch(
      /^1\. Metadata.*the sandbox runs profile careconnect; this collection expects 1\.2\.7/s,
    );
    await sandbox.close();
    sandbox = await startSandbox({ profile: 'gpconnect-1.2.7' });
    const right = await runNewman(pinned, [{ key: 'baseUrl', value: sandbox.fhirBase }]);
    expect(failures(right)).toEqual([]);
  });

  it('refuses a --profile it does not know, naming the choices', async () => {
    const refused = await run(process.execPath, [CLI, 'postman', '--profile', 'nope']).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(refused).toMatchObject({ code: expect.any(Number), stderr: expect.stringMatching(/careconnect/) });
  });

  it('runs green at the root base path too, and in lenient mode draws no warning', async () => {
    sandbox = await startSandbox({ auth: 'lenient' });
    const summary = await runNewman(postmanCollection(), [{ key: 'baseUrl', value: sandbox.fhirBase }]);
    expect(failures(summary)).toEqual([]);
    // Lenient mode serves what strict refuses and lists each problem in X-Sandbox-Warning.
    const journal = sandbox.requests().reverse();
    expect(journal).toHaveLength(9);
    expect(journal.map((e) => e.response.headers['x-sandbox-warning'])).toEqual(
      journal.map((_e, i) => (i === 4 ? expect.stringContaining('is no longer free') : undefined)),
    );
  });

  it('points its variables at the default sandbox, with the base path and the seed patient', () => {
    const variables = Object.fromEntries(
      (printed['variable'] as Array<{ key: string; value: string }>).map((v) => [v.key, v.value]),
    );
    expect(variables).toEqual({
      baseUrl: `http://127.0.0.1:4000${BASE_PATH}`,
      providerAsid: '918999198993',
      consumerAsid: '200000000359',
      nhsNumber: expect.stringMatching(/^\d{10}$/),
    });
    expect((printed['info'] as { schema: string }).schema).toBe(
      'https://schema.getpostman.com/json/collection/v2.1.0/collection.json',
    );
  });

  it('refuses a bad --base-path with one line and exit 2', async () => {
    const result = await run(process.execPath, [CLI, 'postman', '--base-path', 'no slash']).catch(
      (error: { code: number; stderr: string; stdout: string }) => error,
    );
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect((result as { stderr: string }).stderr).toMatch(
      /^gpc-sandbox: --base-path must look like \/A20047\/STU3\/1\/gpconnect.*, got "no slash"\n$/,
    );
  });
});

describe("the collection's pre-request script", () => {
  /** Run the collection-level script as Postman would, at a given instant; returns what it set. */
  function runScript(nowMs: number): Record<string, string> {
    const source = (printed['event'] as Array<{ listen: string; script: { exec: string[] } }>)
      .find((e) => e.listen === 'prerequest')!
      .script.exec.join('\n');
    const variables: Record<string, string> = {
      baseUrl: 'http://127.0.0.1:4000',
      consumerAsid: '200000000359',
      providerAsid: '918999198993',
    };
    const headers: Record<string, string> = {
      'Ssp-InteractionID': 'urn:nhs:names:services:gpconnect:fhir:rest:read:metadata-1',
    };
    const pm = {
      request: {
        headers: {
          get: (name: string) => headers[name],
          upsert: (h: { key: string; value: string }) => {
            headers[h.key] = h.value;
          },
        },
      },
      variables: {
        get: (name: string) => variables[name],
        set: (name: string, value: string) => {
          variables[name] = value;
        },
        replaceIn: () => 'a-guid',
      },
    };
    // crypto-js, as far as the script uses it.
    const cryptoJs = {
      enc: {
        Utf8: { parse: (s: string) => s },
        Base64: { stringify: (s: string) => Buffer.from(s, 'utf8').toString('base64') },
      },
    };
    const context = vm.createContext({ pm, require: () => cryptoJs });
    vm.runInContext(`Date.now = () => ${nowMs};`, context);
    vm.runInContext(source, context);
    return { ...variables, ...headers };
  }

  it.each([
    '2026-03-29T00:59:59Z',
    '2026-03-29T01:00:00Z',
    '2026-10-25T00:59:59Z',
    '2026-10-25T01:00:00Z',
    '2026-06-01T23:30:00Z',
    '2027-01-01T00:00:00Z',
    '2028-03-26T01:00:00Z',
    '2030-10-27T00:30:00Z',
  ])('dates requests in UK time at %s, as the sandbox does', (instant) => {
    const ms = Date.parse(instant);
    const set = runScript(ms);
    const offset = londonOffsetMinutes(ms);
    expect(set['now']).toMatch(offset === 60 ? /\+01:00$/ : /\+00:00$/);
    expect(Date.parse(set['now']!)).toBe(ms);
    const wallDate = new Date(ms + offset * 60_000).toISOString().slice(0, 10);
    expect(set['today']).toBe(wallDate);
    expect(set['searchFrom']).toBe(
      new Date(ms + 86_400_000 + londonOffsetMinutes(ms + 86_400_000) * 60_000).toISOString().slice(0, 10),
    );
  });

  it('signs nothing (alg none) and asks for the scope the interaction needs', () => {
    const set = runScript(Date.parse('2026-06-01T08:00:00Z'));
    const [head, claims, signature] = set['Authorization']!.replace(/^Bearer /, '').split('.');
    expect(JSON.parse(Buffer.from(head!, 'base64url').toString())).toEqual({ alg: 'none', typ: 'JWT' });
    expect(signature).toBe('');
    const decoded = JSON.parse(Buffer.from(claims!, 'base64url').toString());
    expect(decoded).toMatchObject({ requested_scope: 'organization/*.read', aud: 'http://127.0.0.1:4000' });
    expect(decoded.exp - decoded.iat).toBe(300);
    expect(set).toMatchObject({
      'Ssp-TraceID': 'a-guid',
      'Ssp-From': '200000000359',
      'Ssp-To': '918999198993',
    });
  });
});
