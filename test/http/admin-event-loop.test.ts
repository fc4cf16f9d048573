import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type TestSandbox, testSandbox } from '../helpers/sandbox.js';

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
