import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEnvelope } from '../../src/auth/build-headers.js';
import { type RunningSandbox, startSandbox } from '../../src/index.js';
import { seedExample } from '../helpers/bodies.js';
import { rawRequest, requestBytes } from '../helpers/hostile.js';

/** Issue 15 §5: an HTTP/1.0 request without Host gets a Location on the port the server is bound to. */
describe.each([
  { basePath: '', label: 'at the root' },
  { basePath: '/A20047/STU3/1/gpconnect', label: 'under a base path' },
])('HTTP/1.0 without Host, $label, started with port 0', ({ basePath }) => {
  let sb: RunningSandbox;
  beforeAll(async () => {
    sb = await startSandbox({ port: 0, basePath, clock: '2026-06-01T08:00:00+01:00' });
  });
  afterAll(() => sb.close());

  it('answers a booking with a Location on the bound port', async () => {
    const headers = Object.entries(buildEnvelope('create:appointment-1', { aud: sb.fhirBase }));
    const bytes = requestBytes(
      'POST',
      `${basePath}/Appointment`,
      headers,
      Buffer.from(JSON.stringify(seedExample())),
      { host: null, version: 'HTTP/1.0' },
    );
    const response = await rawRequest(sb.port, bytes);
    expect(response.status).toBe(201);
    expect(sb.port).toBeGreaterThan(0);
    expect(response.headers['location']).toBe(
      `http://127.0.0.1:${sb.port}${basePath}/Appointment/1/_history/1`,
    );
  });
});
