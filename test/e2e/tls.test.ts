import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEnvelope } from '../../src/auth/build-headers.js';
import { startSandbox } from '../../src/index.js';
import { startCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gpc-tls-'));
const file = (name: string) => join(dir, name);
const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });

/** A CA, a server certificate for 127.0.0.1 and a client certificate, all made here. */
beforeAll(() => {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=Test CA',
  );
  for (const [name, cn, ext] of [
    ['server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1'],
    ['client', 'consumer', 'extendedKeyUsage=clientAuth'],
    ['stranger', 'stranger', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      file(`${name}.key`),
      '-out',
      file(`${name}.csr`),
      '-subj',
      `/CN=${cn}`,
    );
    if (name === 'stranger') {
      openssl(
        'x509',
        '-req',
        '-in',
        file(`${name}.csr`),
        '-signkey',
        file(`${name}.key`),
        '-out',
        file(`${name}.pem`),
        '-days',
        '2',
      );
    } else {
      const extFile = file(`${name}.ext`);
      execFileSync('sh', ['-c', `printf '%s\\n' '${ext}' > ${extFile}`]);
      openssl(
        'x509',
        '-req',
        '-in',
        file(`${name}.csr`),
        '-CA',
        file('ca.pem'),
        '-CAkey',
        file('ca.key'),
        '-CAcreateserial',
        '-out',
        file(`${name}.pem`),
        '-days',
        '2',
        '-extfile',
        extFile,
      );
    }
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function get(url: string, options: https.RequestOptions = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { ca: readFileSync(file('ca.pem')), headers: buildEnvelope('read:metadata-1'), ...options },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('TLS and mutual TLS', () => {
  it('serves https and prints an https ready line', async () => {
    const cli = await startCli([
      '--tls-cert',
      file('server.pem'),
      '--tls-key',
      file('server.key'),
      '--quiet',
    ]);
    try {
      expect(cli.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const res = await get(`${cli.url}/metadata`);
      expect(res.status).toBe(200);
    } finally {
      expect(await cli.stop()).toBe(0);
    }
  });

  it('answers 496 to a client without a certificate signed by the CA, and serves one with', async () => {
    const sandbox = await startSandbox({
      tls: { cert: file('server.pem'), key: file('server.key'), ca: file('ca.pem'), requireClientCert: true },
    });
    try {
      const none = await get(`${sandbox.fhirBase}/metadata`);
      expect(none.status).toBe(496);
      const outcome = JSON.parse(none.body);
      expect(outcome.issue[0].details.coding[0].code).toBe('BAD_REQUEST');
      expect(outcome.issue[0].diagnostics).toMatch(/client certificate/);

      const stranger = await get(`${sandbox.fhirBase}/metadata`, {
        cert: readFileSync(file('stranger.pem')),
        key: readFileSync(file('stranger.key')),
      });
      expect(stranger.status).toBe(496);

      const trusted = await get(`${sandbox.fhirBase}/metadata`, {
        cert: readFileSync(file('client.pem')),
        key: readFileSync(file('client.key')),
      });
      expect(trusted.status).toBe(200);
    } finally {
      await sandbox.close();
    }
  });
});
