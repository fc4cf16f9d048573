import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEnvelope } from '../../src/auth/build-headers.js';
import { createSandbox, type RunningSandbox, startSandbox } from '../../src/index.js';
import { coreOf, listen } from '../../src/testing.js';
import { seedExample } from '../helpers/bodies.js';
import { parseResponse, type RawResponse, requestBytes } from '../helpers/hostile.js';

/**
 * Slow clients cannot hold connections for ever. The server's timeouts are shortened here through
 * the internal `timeouts` option (15 s / 60 s / 5 s by default, checked every second); the
 * defaults themselves are checked on a server built the same way, and run for real in
 * bench/soak.mjs. Bounds below are liveness bounds (several times the timeout), not performance
 * assertions: without the timeouts these sockets stay open for ever.
 */

const TIMEOUTS = { headersMs: 2000, requestMs: 3000, keepAliveMs: 1000 };
const CLOCK = '2026-06-01T08:00:00+01:00';

let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ clock: CLOCK, timeouts: TIMEOUTS });
});
afterAll(async () => {
  await sandbox?.close();
});

interface Trickle {
  /** Resolves when the server closes the connection. */
  closed: Promise<{ response: RawResponse | undefined; bytesSent: number }>;
  socket: Socket;
}

/**
 * Open a connection, send `head` at once, then one byte of `drip` every `everyMs`, for ever (until
 * the server closes the connection, or `giveUpAfter` bytes, which fails the test).
 */
function trickle(head: string, drip: string, everyMs: number, giveUpAfter: number): Trickle {
  const socket = connect(sandbox.port, '127.0.0.1');
  const chunks: Buffer[] = [];
  let bytesSent = 0;
  let timer: NodeJS.Timeout | undefined;
  const closed = new Promise<{ response: RawResponse | undefined; bytesSent: number }>((resolve, reject) => {
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ response: parseResponse(Buffer.concat(chunks), true), bytesSent });
    });
    socket.on('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (bytesSent >= giveUpAfter) {
          clearInterval(timer);
          socket.destroy();
          reject(new Error(`the server still held the connection after ${bytesSent} slow bytes`));
          return;
        }
        socket.write(drip[bytesSent % drip.length]!);
        bytesSent++;
      }, everyMs);
    });
  });
  return { closed, socket };
}

function expect408(response: RawResponse | undefined): void {
  expect(response?.status).toBe(408);
  expect(response?.headers['content-type']).toBe('application/fhir+json;charset=utf-8');
  expect(JSON.parse(response!.text).resourceType).toBe('OperationOutcome');
}

describe('slow clients', () => {
  it('closes a slow-loris connection (a header byte a second) with 408 within the headers timeout', async () => {
    // Gives up (and fails) after 6 bytes: three times the headers timeout. Node's own checking
    // interval (30 s) would leave it open that long whatever headersTimeout says.
    const loris = trickle('GET /metadata HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ', 'abcdefghij', 1000, 6);
    const { response } = await loris.closed;
    expect408(response);
    expect((await fetch(`${sandbox.url}/_admin/health`)).status).toBe(200);
  });

  it('closes fifty slow lorises at once and keeps answering others meanwhile', async () => {
    const lorises = Array.from({ length: 50 }, (_, i) =>
      trickle(`GET /metadata HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow-${i}: `, 'z', 250, 40),
    );
    const health = await fetch(`${sandbox.url}/_admin/health`);
    expect(health.status).toBe(200);
    const results = await Promise.all(lorises.map((l) => l.closed));
    for (const { response } of results) expect408(response);
  });

  it('closes a connection whose body trickles in, and books nothing', async () => {
    const body = JSON.stringify(seedExample('s1-202606021200'));
    const head = requestBytes(
      'POST',
      '/Appointment',
      Object.entries({ ...buildEnvelope('create:appointment-1'), 'Content-Type': 'application/fhir+json' }),
      Buffer.from(body),
    ).subarray(0, -body.length);
    const slow = trickle(head.toString('latin1'), body, 500, 20);
    const { response } = await slow.closed;
    expect408(response);
    expect(sandbox.state().counts.appointments).toBe(0);
  });

  it('closes a connection whose promised body never comes', async () => {
    const socket = connect(sandbox.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', () => {});
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write(
      requestBytes(
        'POST',
        '/Appointment',
        Object.entries({
          ...buildEnvelope('create:appointment-1'),
          'Content-Type': 'application/fhir+json',
          'Content-Length': '500',
        }),
      ),
    );
    const guard = setTimeout(() => socket.destroy(new Error('still open')), TIMEOUTS.requestMs * 4);
    await closed;
    clearTimeout(guard);
    expect408(parseResponse(Buffer.concat(chunks), true));
    expect(sandbox.state().counts.appointments).toBe(0);
  });

  it('closes an idle keep-alive connection after the keep-alive timeout', async () => {
    const socket = connect(sandbox.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', () => {});
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write('GET /_admin/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
    const guard = setTimeout(() => socket.destroy(new Error('still open')), TIMEOUTS.keepAliveMs * 8);
    await closed;
    clearTimeout(guard);
    const response = parseResponse(Buffer.concat(chunks), true);
    expect(response?.status).toBe(200);
    expect(response?.headers['keep-alive']).toBe(`timeout=${TIMEOUTS.keepAliveMs / 1000}`);
  });

  it('uses 15 s for headers, 60 s for a request and 5 s idle by default, checked every second', async () => {
    const created = createSandbox({ port: 0, clock: CLOCK });
    const running = await listen(created.app, coreOf(created).config, () => {});
    try {
      expect(running.server.headersTimeout).toBe(15_000);
      expect(running.server.requestTimeout).toBe(60_000);
      expect(running.server.keepAliveTimeout).toBe(5_000);
      // Node checks both timeouts only this often (30 s unless told): the bound holds within a second.
      const interval = (running.server as unknown as { connectionsCheckingInterval?: number })
        .connectionsCheckingInterval;
      expect(interval).toBeLessThanOrEqual(1_000);
    } finally {
      await running.close();
      await created.close();
    }
  });
});
