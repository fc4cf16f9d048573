import { Validator } from '@seriousme/openapi-schema-validator';
import { afterEach, describe, expect, it } from 'vitest';
import type { ZodType } from 'zod';
import { stateDocumentSchema } from '../../src/application/document.js';
import { HungConnections } from '../../src/faults/apply.js';
import { adminRouter } from '../../src/http/admin-routes.js';
import { adminSchemas } from '../../src/http/admin-schemas.js';
import { TokenThrottle } from '../../src/http/token-throttle.js';
import { PUBLIC_DIR } from '../../src/paths.js';
import { type TestSandbox, testSandbox } from '../helpers/sandbox.js';

let sandbox: TestSandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties: Record<string, unknown>; required?: string[] }> };
};
type Operation = {
  security?: unknown[];
  parameters?: Array<{ name?: string; in?: string; schema?: Record<string, unknown>; $ref?: string }>;
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> };
  responses: Record<string, { $ref?: string }>;
};

async function fetchDoc(sb: TestSandbox): Promise<Doc> {
  const res = await sb.http.get('/_admin/openapi.json');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return res.body as Doc;
}

/** Every route registered on the admin router, as `METHOD /_admin/path` in OpenAPI's path form. */
function registeredRoutes(sb: TestSandbox): string[] {
  const router = adminRouter({
    core: sb.core,
    hung: new HungConnections(),
    shutdown: new AbortController().signal,
    publicDir: PUBLIC_DIR,
    tokenThrottle: new TokenThrottle(sb.core.config),
  }) as unknown as { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> };
  const out: string[] = [];
  for (const layer of router.stack) {
    if (!layer.route) continue;
    for (const [method, on] of Object.entries(layer.route.methods)) {
      if (on && method !== '_all')
        out.push(`${method.toUpperCase()} /_admin${layer.route.path.replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  return out;
}

function described(doc: Doc): string[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
  );
}

describe('GET /_admin/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document (checked by an OpenAPI schema validator)', async () => {
    sandbox = testSandbox();
    const doc = await fetchDoc(sandbox);
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('describes every route the admin router registers, and nothing it does not', async () => {
    sandbox = testSandbox();
    const doc = await fetchDoc(sandbox);
    const routes = registeredRoutes(sandbox);
    expect(routes.length).toBeGreaterThan(15);
    expect(routes).toContain('DELETE /_admin/faults/{name}');
    const calls = described(doc);
    for (const route of routes) expect(calls, route).toContain(route);
    // The page (static files, not a route) is the one described call the router serves otherwise.
    expect(calls.filter((c) => !routes.includes(c))).toEqual(['GET /_admin/']);
  });

  it('describes each error as {error, field} and each body from the schema the route validates with', async () => {
    sandbox = testSandbox();
    const doc = await fetchDoc(sandbox);
    const error = doc.components.schemas['AdminError']!;
    expect(Object.keys(error.properties).sort()).toEqual(['error', 'field']);
    expect(error.required).toEqual(['error']);
    for (const [call, op] of Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.entries(ops).map(([m, o]) => [`${m} ${p}`, o] as const),
    )) {
      expect(op.responses['400']?.$ref, call).toBe('#/components/responses/error400');
    }
    const body = (method: string, path: string) =>
      Object.keys(
        doc.paths[path]![method]!.requestBody!.content['application/json']!.schema.properties ?? {},
      );
    expect(body('put', '/_admin/clock').sort()).toEqual(['advance', 'now', 'real']);
    expect(body('put', '/_admin/scenario')).toEqual(['name']);
    expect(body('post', '/_admin/faults')).toEqual(
      expect.arrayContaining(['name', 'when', 'delay', 'error', 'drop', 'times', 'probability']),
    );
    expect(body('post', '/_admin/patients')).toEqual(
      expect.arrayContaining(['name', 'gender', 'birthDate', 'nhsNumber', 'magic']),
    );
    expect(body('post', '/_admin/slots').sort()).toEqual(['scheduleId', 'slotId', 'start', 'status']);
    expect(body('post', '/_admin/appointments')).toEqual(expect.arrayContaining(['patientId', 'slotIds']));
    expect(body('put', '/_admin/snapshot').sort()).toEqual(['clock', 'schemaVersion', 'seed', 'state']);
    const rule = doc.paths['/_admin/faults']!['post']!.requestBody!.content['application/json']!.schema as {
      properties: Record<string, { properties: Record<string, Record<string, unknown>> }>;
    };
    expect(rule.properties['delay']!.properties['uniform']).toMatchObject({ type: 'array', minItems: 2 });
    expect(rule.properties['error']!.properties['code']!['enum']).toContain('DUPLICATE_REJECTED');
  });

  it('states the limits the routes enforce (query parameters from the same schemas)', async () => {
    sandbox = testSandbox();
    const doc = await fetchDoc(sandbox);
    const days = doc.paths['/_admin/state']!['get']!.parameters!.find((p) => p.name === 'days')!;
    expect(days.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 366 });
    const max = days.schema!['maximum'] as number;
    expect((await sandbox.http.get('/_admin/state?days=1')).status).toBe(200);
    expect((await sandbox.http.get('/_admin/state?days=0')).body.field).toBe('days');
    const over = await sandbox.http.get(`/_admin/state?days=${max + 1}`);
    expect(over.status).toBe(400);
    expect(over.body).toEqual({ error: expect.stringContaining('days'), field: 'days' });
    const limit = doc.paths['/_admin/requests']!['get']!.parameters!.find((p) => p.name === 'limit')!;
    expect(limit.schema).toMatchObject({ type: 'integer', minimum: 1 });
    expect((await sandbox.http.get('/_admin/requests?limit=0')).body.field).toBe('limit');
    const all = doc.paths['/_admin/reset']!['post']!.parameters!.find((p) => p.name === 'all')!;
    expect(all.schema).toMatchObject({ enum: ['true', 'false'] });
    expect((await sandbox.http.post('/_admin/reset?all=yes')).body.field).toBe('all');
  });

  it("gives the shapes of the simple answers, which the routes' real answers hold to", async () => {
    sandbox = testSandbox();
    const doc = await fetchDoc(sandbox);
    const answers = adminSchemas().responses;
    const http = sandbox.http;
    const cases: Array<[string, string, () => Promise<{ status: number; body: unknown }>, ZodType]> = [
      ['get', '/_admin/health', () => http.get('/_admin/health'), answers.health],
      ['get', '/_admin/auth', () => http.get('/_admin/auth'), answers.auth],
      ['get', '/_admin/clock', () => http.get('/_admin/clock'), answers.clock],
      ['put', '/_admin/clock', () => http.put('/_admin/clock').send({ advance: 'PT1M' }), answers.clock],
      [
        'put',
        '/_admin/scenario',
        () => http.put('/_admin/scenario').send({ name: 'slot-race' }),
        answers.scenario,
      ],
      ['get', '/_admin/snapshot', () => http.get('/_admin/snapshot'), stateDocumentSchema()],
      ['post', '/_admin/reset', () => http.post('/_admin/reset?all=true'), answers.reset],
      ['delete', '/_admin/faults', () => http.delete('/_admin/faults'), answers.disarmed],
    ];
    for (const [method, path, call, schema] of cases) {
      const described = doc.paths[path]![method]!.responses['200'] as unknown as {
        content: Record<string, { schema: Record<string, unknown> }>;
      };
      expect(described.content['application/json']!.schema, `${method} ${path}`).not.toEqual({});
      const res = await call();
      expect(res.status, `${method} ${path}`).toBe(200);
      const parsed = schema.safeParse(res.body);
      expect(parsed.success ? [] : parsed.error.issues, `${method} ${path}`).toEqual([]);
    }
    const snapshot = (await http.get('/_admin/snapshot')).body;
    const imported = await http.put('/_admin/snapshot').send(snapshot);
    expect(answers.imported.safeParse(imported.body).success).toBe(true);
  });

  it('needs no token, while the calls it describes do', async () => {
    sandbox = testSandbox({ adminToken: 'openapi-token' });
    const doc = await fetchDoc(sandbox);
    expect(doc.paths['/_admin/state']!['get']!.security).toBeUndefined();
    expect(doc.paths['/_admin/openapi.json']!['get']!.security).toEqual([]);
    expect(doc.paths['/_admin/state']!['get']!.responses['401']?.$ref).toBe(
      '#/components/responses/error401',
    );
    expect((await sandbox.http.get('/_admin/state')).status).toBe(401);
  });
});
