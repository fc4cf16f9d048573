/**
 * Issue 13, items 1 and 11: every FHIR answer is written inside the error boundary (an answer that
 * cannot be written becomes a JSON 500 naming what), a committing handler renders before it
 * commits, and every FHIR answer, errors and faults included, carries X-Content-Type-Options:
 * nosniff.
 */
import express from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SpineError } from '../../src/fhir/operation-outcome.js';
import type { FhirCall } from '../../src/http/fhir-types.js';
import { renderBeforeCommit } from '../../src/http/handlers/appointment-common.js';
import { sendFhir } from '../../src/http/send.js';
import { startSandbox } from '../../src/index.js';
import { rawRequest } from '../helpers/hostile.js';
import { expectOutcome, FHIR_JSON } from '../helpers/outcome.js';
import { envelope, type TestSandbox, testSandbox } from '../helpers/sandbox.js';

const POISONED = { resourceType: 'Appointment', status: 'booked', comment: 'bell \u0007' };

describe('sendFhir', () => {
  function appSending(send: (res: express.Response) => void) {
    const app = express();
    app.get('/', (_req, res) => send(res));
    return app;
  }

  it('answers a resource XML cannot carry with a JSON 500 naming what could not be written', async () => {
    const told = vi.fn();
    const res = await request(
      appSending((r) => sendFhir(r, 201, POISONED, 'xml', { ETag: 'W/"1"' }, undefined, told)),
    ).get('/');
    const diagnostics = expectOutcome(res, 500, 'INTERNAL_SERVER_ERROR');
    expect(diagnostics).toMatch(
      /could not write the Appointment as XML: Appointment\.comment contains a character/,
    );
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['etag']).toBeUndefined();
    expect(told).toHaveBeenCalledWith('the Appointment as XML', expect.any(Error));
  });

  it('answers a header value HTTP cannot carry with a JSON 500 naming the headers', async () => {
    const res = await request(
      appSending((r) =>
        sendFhir(r, 200, { resourceType: 'Bundle' }, 'json', { Location: 'http://x/\u0100' }),
      ),
    ).get('/');
    expect(expectOutcome(res, 500, 'INTERNAL_SERVER_ERROR')).toMatch(/could not write the response headers/);
  });

  it('sends nosniff and no-store on an ordinary answer too', async () => {
    const res = await request(appSending((r) => sendFhir(r, 200, { resourceType: 'Bundle' }, 'xml'))).get(
      '/',
    );
    expect(res.status).toBe(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('no-store');
  });
});

describe('renderBeforeCommit', () => {
  const call = (format: 'json' | 'xml') =>
    ({ format, core: { config: {} }, headers: {} }) as unknown as FhirCall;

  // That execute then takes the command's changes back (the undo this used to run itself) is
  // asserted in test/http/command-rollback.test.ts.
  it('throws a 500 naming what could not be written, before anything is committed', () => {
    let thrown: unknown;
    try {
      renderBeforeCommit(call('xml'), { status: 201, resource: POISONED }, 'Nothing was booked');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SpineError);
    expect(thrown).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', status: 500 });
    expect((thrown as SpineError).diagnostics).toMatch(
      /^Nothing was booked: the sandbox could not write its answer as XML \(Appointment\.comment contains/,
    );
  });

  it('checks the headers too, even when no body is sent', () => {
    const result = { status: 201, headers: { Location: 'http://h\u0100st/Appointment/1' }, minimal: true };
    expect(() => renderBeforeCommit(call('json'), result, 'Nothing was booked')).toThrow(SpineError);
  });

  it('keeps the rendered answer when it can be written', () => {
    const result = renderBeforeCommit(call('json'), { status: 201, resource: POISONED }, 'x');
    expect(result.rendered).toEqual({ body: JSON.stringify(POISONED), contentType: FHIR_JSON });
  });
});

describe('the last resort', () => {
  let sandbox: TestSandbox;
  afterEach(async () => {
    await sandbox?.close();
  });

  it('logs what escaped the pipeline and keeps serving', async () => {
    const log = vi.fn();
    sandbox = testSandbox({ log });
    const journal = sandbox.core.defaultWorld.journal;
    const add = journal.add.bind(journal);
    let broken = true;
    journal.add = (entry) => {
      if (broken) throw new Error('journal broke');
      add(entry);
    };
    const first = await sandbox.http.get('/metadata').set(envelope('read:metadata-1'));
    expect(first.status).toBe(200);
    expect(log).toHaveBeenCalledWith(
      'error',
      expect.stringMatching(/unexpected error: Error: journal broke/),
    );
    broken = false;
    const next = await sandbox.http.get('/metadata').set(envelope('read:metadata-1'));
    expect(next.status).toBe(200);
    expect(next.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('X-Content-Type-Options: nosniff on every FHIR answer', () => {
  let sandbox: TestSandbox;
  afterEach(async () => {
    await sandbox?.close();
  });

  it.each([
    ['a read', '/metadata', envelope('read:metadata-1'), 200],
    ['an envelope refusal', '/metadata', {}, 400],
    ['an unknown path', '/Nope', envelope('read:metadata-1'), 400],
    ['an unknown path sent with no interaction', '/Nope', {}, 404],
    [
      'a fault',
      '/metadata',
      envelope('read:metadata-1', { 'X-Sandbox-Fault': 'error=503:NOT_IMPLEMENTED' }),
      503,
    ],
    [
      'a Spine proxy fault',
      '/metadata',
      envelope('read:metadata-1', { 'X-Sandbox-Fault': 'error=ssp:502' }),
      502,
    ],
    ['a format refusal', '/metadata?_format=text/html', envelope('read:metadata-1'), 415],
  ])('on %s', async (_name, path, headers, status) => {
    sandbox = testSandbox();
    const res = await sandbox.http.get(path).set(headers);
    expect(res.status).toBe(status);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('outside the base path, and on what the HTTP parser refuses', async () => {
    const sb = await startSandbox({ port: 0, basePath: '/base' });
    try {
      const outside = await fetch(`${sb.url}/metadata`);
      expect(outside.status).toBe(404);
      expect(outside.headers.get('x-content-type-options')).toBe('nosniff');
      const bad = await rawRequest(sb.port, 'GET /base/metadata HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n');
      expect(bad.status).toBe(400);
      expect(bad.headers['x-content-type-options']).toBe('nosniff');
      const noHost = await rawRequest(sb.port, 'GET /base/metadata HTTP/1.1\r\n\r\n');
      expect(noHost.status).toBe(400);
      expect(noHost.headers['x-content-type-options']).toBe('nosniff');
    } finally {
      await sb.close();
    }
  });
});
