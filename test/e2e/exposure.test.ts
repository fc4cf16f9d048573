import { connect, createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { listen } from '../../src/http/server.js';
import { createSandbox, startSandbox } from '../../src/index.js';
import { runCli } from '../helpers/cli.js';

/** Issue 13 item 8: exposure is judged by the address bound, and an exposed sandbox needs a real token. */

const LONG_TOKEN = 'x'.repeat(16);

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '0.0.0.0', () => probe.close(() => resolve(true)));
  });
}

function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let text = '';
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
    });
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

describe('the Host allowlist on a listening sandbox', () => {
  it('refuses a rebinding page (foreign Host) on admin and FHIR, and serves HTTP/1.0 without Host', async () => {
    const sandbox = await startSandbox();
    try {
      const admin = await raw(
        sandbox.port,
        `POST /_admin/reset HTTP/1.1\r\nHost: evil.example:${sandbox.port}\r\nOrigin: http://evil.example:${sandbox.port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
      );
      expect(admin).toMatch(/^HTTP\/1\.1 403 /);
      expect(admin).toContain('"field":"Host"');
      const fhir = await raw(
        sandbox.port,
        `GET /metadata HTTP/1.1\r\nHost: evil.example:${sandbox.port}\r\nConnection: close\r\n\r\n`,
      );
      expect(fhir).toMatch(/^HTTP\/1\.1 403 /);
      expect(fhir).toContain('"resourceType":"OperationOutcome"');
      const noHost = await raw(sandbox.port, 'GET /_admin/health HTTP/1.0\r\n\r\n');
      expect(noHost).toMatch(/^HTTP\/1\.1 200 /);
    } finally {
      await sandbox.close();
    }
  });
});

describe('exposure', () => {
  it.each([
    [{ host: '0.0.0.0' }],
    [{ host: '0.0.0.0', adminToken: 'x' }],
    [{ host: '::', adminToken: 'fifteen-chars!!' }],
  ])(
    'refuses %j: a non-loopback address needs an --admin-token of at least 16 characters',
    async (options) => {
      await expect(startSandbox(options)).rejects.toThrow(/--admin-token of at least 16 characters/);
    },
  );

  it('judges the address actually bound, not the --host text', async () => {
    // As if --host were a name that looked local but resolved to every interface.
    const { app, close } = createSandbox();
    const config = { ...DEFAULT_CONFIG, host: '0.0.0.0', port: 0 };
    await expect(listen(app, config, () => {})).rejects.toThrow(
      /--host 0\.0\.0\.0 \(bound to 0\.0\.0\.0\) exposes the sandbox.*--admin-token of at least 16 characters/,
    );
    await close();
    // The refused server was closed again: the same port can be bound.
    const { app: app2, close: close2 } = createSandbox();
    const server = await listen(app2, { ...config, adminToken: LONG_TOKEN }, () => {});
    const port = server.port;
    await server.close();
    await close2();
    expect(await portIsFree(port)).toBe(true);
  });

  it('serves a non-loopback address with a long token, on loopback names and the --host address', async () => {
    const sandbox = await startSandbox({ host: '0.0.0.0', adminToken: LONG_TOKEN });
    try {
      const res = await fetch(`http://127.0.0.1:${sandbox.port}/_admin/state`, {
        headers: { 'X-Admin-Token': LONG_TOKEN },
      });
      expect(res.status).toBe(200);
    } finally {
      await sandbox.close();
    }
  });

  it('on the command line: exit 2 and one line naming --admin-token', async () => {
    const result = await runCli(['start', '--port', '0', '--host', '0.0.0.0', '--admin-token', 'short']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/--admin-token.*at least 16 characters/);
  });
});
