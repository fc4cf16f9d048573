import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseFaultHeader } from '../../src/faults/header.js';
import { parseScenario } from '../../src/faults/rule.js';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

/** Issue 13 items 9 and 10: map-shaped admin inputs and big snapshot bodies. */

let sandbox: TestSandbox;
afterEach(async () => {
  await sandbox?.close();
});

/** JSON text with a key spelled literally (JSON.stringify of an object cannot carry __proto__). */
function withKey(json: string, key: string, at: string): string {
  return json.replace(at, `${at}"${key}":{"a":1},`);
}

const KEYS = ['__proto__', 'constructor', 'prototype'];

describe('map-shaped admin inputs', () => {
  it.each(KEYS)(
    'refuses a fault rule whose when.header holds %s, naming the path; nothing is armed',
    async (key) => {
      sandbox = testSandbox();
      const body = withKey(
        JSON.stringify({
          name: 'r',
          when: { header: { 'X-Test': 'yes' } },
          error: { code: 'ACCESS DENIED' },
        }),
        key,
        '"header":{',
      );
      const res = await sandbox.http
        .post('/_admin/faults')
        .set('Content-Type', 'application/json')
        .send(body);
      expect(res.status).toBe(400);
      expect(res.body.field).toBe(`when.header.${key}`);
      expect(res.body.error).toContain(key);
      expect((await sandbox.http.get('/_admin/faults')).body).toEqual([]);
      // And the request the vanished condition would have matched is served.
      expect((await sandbox.http.get('/metadata').set(envelope('read:metadata-1'))).status).toBe(200);
    },
  );

  it.each(KEYS)(
    'refuses %s in fixtures, clock, scenario and snapshot bodies, naming the path',
    async (key) => {
      sandbox = testSandbox();
      const snapshot = JSON.stringify((await sandbox.http.get('/_admin/snapshot')).body);
      const cases: Array<[string, string, string, string]> = [
        [
          '/_admin/patients',
          'POST',
          withKey(
            JSON.stringify({ name: { family: 'F' }, gender: 'female', birthDate: '1990-01-01' }),
            key,
            '"name":{',
          ),
          `name.${key}`,
        ],
        ['/_admin/clock', 'PUT', withKey('{"advance":"PT1H"}', key, '{'), key],
        ['/_admin/scenario', 'PUT', withKey('{"name":"slot-race"}', key, '{'), key],
        ['/_admin/snapshot', 'PUT', withKey(snapshot, key, '"state":{'), `state.${key}`],
      ];
      for (const [path, method, body, field] of cases) {
        const res = await sandbox.http[method === 'PUT' ? 'put' : 'post'](path)
          .set('Content-Type', 'application/json')
          .send(body);
        expect(res.status, path).toBe(400);
        expect(res.body.field, path).toBe(field);
      }
      const state = (await sandbox.http.get('/_admin/state')).body;
      expect(state.counts.appointments).toBe(0);
      expect(state.scenario).toBeNull();
    },
  );

  it.each(KEYS)('refuses %s in an X-Sandbox-Fault JSON rule and in a scenario file', (key) => {
    const header = parseFaultHeader(
      withKey('{"when":{"header":{"X-A":"b"}},"drop":"reset"}', key, '"header":{'),
    );
    expect('problems' in header && header.message).toContain(`when.header.${key}`);
    const scenario = parseScenario(
      'x.json',
      JSON.parse(withKey('{"description":"d","rules":[{"name":"a","drop":"reset"}]}', key, '{"name":"a",')),
    );
    expect('problems' in scenario && scenario.message).toContain(`rules[0].${key}`);
  });
});

describe('snapshot bodies', () => {
  function put(port: number, headers: http.OutgoingHttpHeaders, body: (req: http.ClientRequest) => void) {
    return new Promise<{ status: number; body: string; ms: number }>((resolve, reject) => {
      const started = Date.now();
      const req = http.request(
        { host: '127.0.0.1', port, method: 'PUT', path: '/_admin/snapshot', headers },
        (res) => {
          let text = '';
          res.on('data', (c) => {
            text += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, ms: Date.now() - started }));
        },
      );
      req.on('error', reject);
      body(req);
    });
  }

  it('over --max-snapshot get 413 before they are read: by Content-Length, and by counting a chunked body', async () => {
    sandbox = testSandbox({ maxSnapshot: '64KB' });
    const server = http.createServer(sandbox.app).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      // A declared 59 MB body: refused at once, without waiting for (or parsing) a byte of it.
      const declared = await put(
        port,
        { 'Content-Type': 'application/json', 'Content-Length': 59_000_000 },
        (req) => req.write('{"schemaVersion":1,'),
      );
      expect(declared.status).toBe(413);
      expect(JSON.parse(declared.body)).toMatchObject({ field: 'body' });
      expect(JSON.parse(declared.body).error).toMatch(/--max-snapshot/);

      // Chunked, no length: counted as it streams.
      const chunked = await put(
        port,
        { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
        (req) => {
          req.write(`{"pad":"${'x'.repeat(100 * 1024)}`);
          req.end('"}');
        },
      );
      expect(chunked.status).toBe(413);
      expect(JSON.parse(chunked.body).error).toMatch(/--max-snapshot/);

      // The admin surface still answers.
      expect((await fetch(`http://127.0.0.1:${port}/_admin/health`)).status).toBe(200);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('within --max-snapshot are imported as before', async () => {
    sandbox = testSandbox();
    const snapshot = (await sandbox.http.get('/_admin/snapshot')).body;
    const res = await sandbox.http.put('/_admin/snapshot').send(snapshot);
    expect(res.status).toBe(200);
  });
});

describe('admin bodies the parser cannot read', () => {
  it.each([
    ['PUT', '/_admin/snapshot'],
    ['POST', '/_admin/faults'],
  ])('%s %s with a Content-Encoding its body is not in: 400 naming the body', async (method, path) => {
    sandbox = testSandbox();
    const res = await sandbox.http[method === 'PUT' ? 'put' : 'post'](path)
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .send('{"not":"gzip"}');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: expect.stringMatching(/^The body could not be read: /),
      field: 'body',
    });
  });
});

describe('snapshot bodies of millions of tiny values', () => {
  it.each([
    [
      'a list of 1.2 million empty arrays',
      `{"schemaVersion":1,"state":{"fixturePatients":[${Array(1_200_000).fill('[]').join(',')}]}}`,
      'body',
      /more than \d+ JSON values/,
    ],
    [
      'an object of 20,000 keys',
      `{"schemaVersion":1,"state":{"fixturePatients":[{${Array.from({ length: 20_000 }, (_, i) => `"k${i}":0`).join(',')}}]}}`,
      'state.fixturePatients[0]',
      /more than 10000 members/,
    ],
  ])('are refused before they are built (%s), naming the field', async (_name, body, field, error) => {
    sandbox = testSandbox();
    const res = await sandbox.http.put('/_admin/snapshot').set('Content-Type', 'application/json').send(body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: expect.stringMatching(error), field });
  });
});
