import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { dropConnection, GARBAGE_BYTES, HungConnections, sleep, sspErrorBody } from './apply.js';
import type { DropMode } from './rule.js';
import { SSP_SYSTEM } from './ssp-errors.js';

/** A throw-away self-signed P-256 certificate for localhost (valid for 100 years); test-only. */
const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgyZIZ9QxWBwlEc54z
8YaGNhjdPsXKaCLBnAXngSlgy+KhRANCAASw0xfP7kHDeTD1ahap8DupTcvvbDI2
Gl0nsSUC5vM+mpSThRFetbMQvfY963/hT9kg1erzmMgFI5F3CME+wjK/
-----END PRIVATE KEY-----`;
const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBfzCCASWgAwIBAgIULQh/+IDuWjEdaHRTR2Dj+DrEYlswCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyNTE2NDUxOFoYDzIxMjYxMTAx
MTY0NTE4WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAASw0xfP7kHDeTD1ahap8DupTcvvbDI2Gl0nsSUC5vM+mpSThRFetbMQ
vfY963/hT9kg1erzmMgFI5F3CME+wjK/o1MwUTAdBgNVHQ4EFgQUngE8OuCrvY7y
3DCD1+XdVuQIBe4wHwYDVR0jBBgwFoAUngE8OuCrvY7y3DCD1+XdVuQIBe4wDwYD
VR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiAvBapYWKLPUCTuU37/mfSR
ocmRGKPGTfLUTALLup/bOAIhAMo4oLliLX35grkqA2N0wwUYsm3Cwq/NGQbM9j+t
+rPU
-----END CERTIFICATE-----`;

function selfSignedCertificate(): { key: string; cert: string } {
  return { key: TEST_KEY, cert: TEST_CERT };
}

interface Outcome {
  bytes: Buffer;
  error?: NodeJS.ErrnoException;
  closed: boolean;
}

let server: Server | undefined;
const hung = new HungConnections();

afterEach(async () => {
  hung.cutAll();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

async function serve(mode: DropMode): Promise<number> {
  server = createServer((_req, res) => dropConnection(res, mode, hung));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A raw TCP client: what did the server send, and how did the connection end? */
function request(port: number, body = ''): { done: Promise<Outcome>; outcome: Outcome } {
  const outcome: Outcome = { bytes: Buffer.alloc(0), closed: false };
  const socket = connect(port, '127.0.0.1');
  const done = new Promise<Outcome>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      outcome.bytes = Buffer.concat([outcome.bytes, chunk]);
    });
    socket.on('error', (error) => {
      outcome.error = error;
    });
    socket.on('close', () => {
      outcome.closed = true;
      resolve(outcome);
    });
  });
  socket.write(
    `POST /Appointment HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/fhir+json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
  );
  return { done, outcome };
}

describe('dropConnection over a real socket', () => {
  it('reset sends a TCP RST: the client sees ECONNRESET', async () => {
    const { done } = request(await serve('reset'));
    const outcome = await done;
    expect(outcome.error?.code).toBe('ECONNRESET');
    expect(outcome.bytes.length).toBe(0);
  });

  it('empty closes the connection without a byte', async () => {
    const { done } = request(await serve('empty'));
    const outcome = await done;
    expect(outcome.error).toBeUndefined();
    expect(outcome.bytes.length).toBe(0);
  });

  it('garbage sends non-HTTP bytes, then closes', async () => {
    const { done } = request(await serve('garbage'));
    const outcome = await done;
    expect(outcome.bytes).toEqual(GARBAGE_BYTES);
    expect(outcome.bytes.toString('latin1').startsWith('HTTP/')).toBe(false);
  });

  it('hang sends nothing and holds the connection until cutAll()', async () => {
    const { done, outcome } = request(await serve('hang'), '{"resourceType":"Appointment"}');
    await sleep(300);
    expect(outcome.closed).toBe(false);
    expect(outcome.bytes.length).toBe(0);
    expect(hung.size).toBe(1);
    expect(hung.cutAll()).toBe(1);
    const final = await done;
    expect(final.bytes.length).toBe(0);
    expect(hung.size).toBe(0);
  });

  it('forgets a hung connection the client gives up on', async () => {
    const port = await serve('hang');
    const socket = connect(port, '127.0.0.1');
    socket.write('GET /Slot HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await sleep(200);
    expect(hung.size).toBe(1);
    socket.destroy();
    await sleep(200);
    expect(hung.size).toBe(0);
  });
});

describe('dropConnection over TLS', () => {
  it('reset reaches the client as ECONNRESET, and the server still closes cleanly', async () => {
    const { key, cert } = selfSignedCertificate();
    const tlsServer = createHttpsServer({ key, cert }, (_req, res) => dropConnection(res, 'reset'));
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    const port = (tlsServer.address() as AddressInfo).port;
    const code = await new Promise<string | undefined>((resolve) => {
      const socket = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () =>
        socket.write('GET /metadata HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'),
      );
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code));
      socket.on('close', () => resolve(undefined));
    });
    expect(code).toBe('ECONNRESET');
    await sleep(20);
    await new Promise((resolve) => tlsServer.close(resolve));
  });
});

describe('sspErrorBody', () => {
  it("builds the Spine proxy's own OperationOutcome: status as code, its ValueSet, no profile", () => {
    const body = sspErrorBody(502, 'ERROR_COMMUNICATING_TO_ENDPOINT_URL_https://p.example/Appointment');
    expect(body).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'transient',
          details: {
            coding: [{ system: SSP_SYSTEM, code: '502', display: 'ERROR_COMMUNICATING_TO_ENDPOINT_URL' }],
          },
          diagnostics: 'ERROR_COMMUNICATING_TO_ENDPOINT_URL_https://p.example/Appointment',
        },
      ],
    });
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body).not.toHaveProperty('meta');
  });

  it('uses the display as diagnostics when none is given, as the spec examples do', () => {
    expect(sspErrorBody(415).issue[0]).toMatchObject({
      code: 'not-supported',
      diagnostics: 'Unsupported_Media_Type',
    });
  });
});

describe('sleep', () => {
  it('resolves true after the delay', async () => {
    const started = performance.now();
    expect(await sleep(50)).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('resolves false at once when cancelled', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const slept = sleep(10_000, controller.signal);
    setTimeout(() => controller.abort(), 20);
    expect(await slept).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await sleep(10, controller.signal)).toBe(false);
  });
});
