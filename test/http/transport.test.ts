import { afterEach, describe, expect, it } from 'vitest';
import { seedExample } from '../helpers/bodies.js';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

let sandbox: TestSandbox;
afterEach(async () => {
  await sandbox?.close();
});

describe('how requests reach the provider', () => {
  it("serves the Spine proxy's URL form like the direct one", async () => {
    sandbox = testSandbox({ basePath: '/A20047/STU3/1/gpconnect' });
    const res = await sandbox.http
      .get('/ssp.example.nhs.uk/https://provider.example.nhs.uk/A20047/STU3/1/gpconnect/metadata')
      .set(envelope('read:metadata-1'));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).resourceType).toBe('CapabilityStatement');
  });

  it('answers outside the base path with a 404 that says where FHIR lives', async () => {
    sandbox = testSandbox({ basePath: '/A20047/STU3/1/gpconnect' });
    const res = await sandbox.http.get('/metadata').set(envelope('read:metadata-1'));
    expect(res.status).toBe(404);
    expect(JSON.parse(res.text).issue[0].diagnostics).toContain('/A20047/STU3/1/gpconnect');
  });

  it('gzips when asked', async () => {
    sandbox = testSandbox();
    // supertest unzips the body; the header says it travelled gzipped.
    const res = await sandbox.http
      .get('/metadata')
      .set(envelope('read:metadata-1'))
      .set('Accept-Encoding', 'gzip');
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(res.text).resourceType).toBe('CapabilityStatement');
    const plain = await sandbox.http
      .get('/metadata')
      .set(envelope('read:metadata-1'))
      .set('Accept-Encoding', 'identity');
    expect(plain.headers['content-encoding']).toBeUndefined();
  });

  it('uses --public-url for Location headers behind a proxy', async () => {
    sandbox = testSandbox({ publicUrl: 'https://sandbox.example.org', basePath: '/A20047/STU3/1/gpconnect' });
    const res = await sandbox.http
      .post('/A20047/STU3/1/gpconnect/Appointment')
      .set(envelope('create:appointment-1'))
      .send(JSON.stringify(seedExample()));
    expect(res.status).toBe(201);
    expect(res.headers['location']).toBe(
      'https://sandbox.example.org/A20047/STU3/1/gpconnect/Appointment/1/_history/1',
    );
  });

  it('logs one JSON line per request when given a log sink, and nothing otherwise', async () => {
    const lines: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
    sandbox = testSandbox({
      log: (level, message, fields) => lines.push({ level, message, ...(fields ? { fields } : {}) }),
    });
    await sandbox.http.get('/metadata').set(envelope('read:metadata-1'));
    expect(lines).toHaveLength(1);
    expect(lines[0]!.fields).toMatchObject({ method: 'GET', path: '/metadata', status: 200 });
  });
});
