import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { stateView } from '../../src/http/admin-state.js';
import { jsonPieces, LazyJsonArray } from '../../src/http/json-stream.js';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

/**
 * Issue 13 ("nothing in the admin surface blocks the event loop for more than ~100 ms"): hostile
 * bodies are refused cheaply and large answers are written in slices, so /_admin/health is
 * answered meanwhile. Asserted by behaviour (what answers, in which order), never by time.
 */

let sandbox: TestSandbox;
let server: http.Server | undefined;
afterEach(async () => {
  if (server) {
    server.closeAllConnections();
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
  }
  await sandbox?.close();
});

async function listen(s: TestSandbox): Promise<number> {
  server = http.createServer(s.app).listen(0, '127.0.0.1');
  await new Promise((resolve) => server!.once('listening', resolve));
  return (server.address() as AddressInfo).port;
}

interface Answer {
  status: number;
  body: string;
}

function send(port: number, method: string, path: string, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('deeply nested snapshot bodies', () => {
  it('are refused with 400 naming the depth and the path, while /_admin/health answers', async () => {
    sandbox = testSandbox();
    const port = await listen(sandbox);
    const snapshot = (await send(port, 'GET', '/_admin/snapshot')).body;
    const deep = `${snapshot.slice(0, -1)},"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const answers = await Promise.all([
      send(port, 'PUT', '/_admin/snapshot', deep),
      send(port, 'PUT', '/_admin/snapshot', deep),
      send(port, 'GET', '/_admin/health'),
    ]);
    for (const put of answers.slice(0, 2)) {
      expect(put.status).toBe(400);
      expect(JSON.parse(put.body)).toEqual({
        error: 'nested more than 64 levels deep',
        field: `x${'[0]'.repeat(64)}`,
      });
    }
    expect(answers[2]).toEqual({ status: 200, body: '{"status":"ok"}' });
    // Nothing was imported, and the next import works.
    const again = await send(port, 'PUT', '/_admin/snapshot', snapshot);
    expect(again.status).toBe(200);
  });
});

describe('jsonPieces', () => {
  const cases: Array<[string, unknown]> = [
    ['an array of objects', [{ a: 1, b: 'x"y' }, { c: [1, 2, { d: null }] }]],
    ['members JSON.stringify leaves out', { a: undefined, b: () => 1, c: Symbol('s'), d: 1, e: undefined }],
    ['array entries JSON.stringify writes as null', [undefined, () => 1, Symbol('s'), 2]],
    [
      'toJSON (dates) at every level',
      { when: new Date(0), list: [new Date(1)], nested: { at: new Date(2) } },
    ],
    ['empty containers', { a: [], b: {}, c: [[]] }],
    ['a top-level string', 'text "quoted"'],
    ['undefined', undefined],
    ['a lazy array', { list: new LazyJsonArray([1, 2, 3], (n) => ({ n, skip: undefined })), after: true }],
    ['an empty lazy array', new LazyJsonArray([], (n) => n)],
    ['a null prototype object', Object.assign(Object.create(null), { a: 1 })],
  ];
  it.each(cases)('joined, equals JSON.stringify for %s, at every depth', (_title, value) => {
    for (const levels of [0, 1, 2, 3, 5]) {
      const pieces = [...jsonPieces(value, levels)];
      const expected = JSON.stringify(value);
      expect(pieces.length === 0 ? undefined : pieces.join('')).toBe(expected);
    }
  });
});

describe('large admin answers written in slices', () => {
  it('GET /_admin/state, /_admin/requests and /_admin/snapshot answer exactly the text res.json gave, with ETag, 304 and no-store kept', async () => {
    sandbox = testSandbox();
    const booked = await sandbox.http.get('/metadata').set(envelope('read:metadata-1'));
    expect(booked.status).toBe(200);
    const world = sandbox.core.defaultWorld;

    const state = await sandbox.http.get('/_admin/state?days=3');
    expect(state.status).toBe(200);
    expect(state.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(state.headers['cache-control']).toBe('no-store');
    expect(state.text).toBe(JSON.stringify(stateView(sandbox.core, world, 3)));
    const notModified = await sandbox.http
      .get('/_admin/state?days=3')
      .set('If-None-Match', state.headers['etag']!);
    expect(notModified.status).toBe(304);

    const requests = await sandbox.http.get('/_admin/requests?limit=5');
    expect(requests.status).toBe(200);
    expect(requests.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(requests.headers['cache-control']).toBe('no-store');
    expect(requests.text).toBe(JSON.stringify(world.journal.list(5)));
    expect(JSON.parse(requests.text)).toHaveLength(1);
    const again = await sandbox.http
      .get('/_admin/requests?limit=5')
      .set('If-None-Match', requests.headers['etag']!);
    expect(again.status).toBe(304);

    const snapshot = await sandbox.http.get('/_admin/snapshot');
    expect(snapshot.status).toBe(200);
    expect(snapshot.headers['cache-control']).toBe('no-store');
    expect(snapshot.text).toBe(JSON.stringify(sandbox.core.snapshot(world)));
  });

  it('answer a concurrent /_admin/health while a large /_admin/requests is still being written', async () => {
    sandbox = testSandbox();
    const journal = sandbox.core.defaultWorld.journal;
    const body = JSON.stringify({ resourceType: 'Appointment', comment: 'a "quoted" \\ text '.repeat(3000) });
    for (let i = 0; i < 300; i++) {
      journal.add({
        timeMs: Date.now(),
        method: 'POST',
        path: '/Appointment',
        status: 422,
        ms: 1,
        problems: [],
        request: { headers: { 'content-type': 'application/fhir+json' }, body },
        response: { headers: { 'content-type': 'application/fhir+json' }, body },
      });
    }
    // Which response's end() the server called first: the big answer's body is produced in
    // slices, so health's end comes before it (with res.json it came after, all at once).
    const ends: string[] = [];
    server = http.createServer((req, res) => {
      const url = req.url ?? ''; // taken now: routers rewrite req.url
      const end = res.end.bind(res) as (...args: unknown[]) => http.ServerResponse;
      res.end = ((...args: unknown[]) => {
        ends.push(url);
        return end(...args);
      }) as typeof res.end;
      sandbox.app(req, res);
    });
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server!.once('listening', resolve));
    const { port } = server.address() as AddressInfo;

    let health: Promise<Answer> | undefined;
    const big = await new Promise<Answer>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/_admin/requests?limit=500' }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          // The first piece has arrived: ask for health while the rest is being written.
          health ??= send(port, 'GET', '/_admin/health');
          chunks.push(c);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      });
      req.on('error', reject);
    });
    expect(big.status).toBe(200);
    expect(big.body).toBe(JSON.stringify(journal.list(500)));
    expect(await health).toEqual({ status: 200, body: '{"status":"ok"}' });
    expect(ends.indexOf('/_admin/health')).toBeGreaterThanOrEqual(0);
    expect(ends.indexOf('/_admin/health')).toBeLessThan(ends.indexOf('/_admin/requests?limit=500'));
  });
});
