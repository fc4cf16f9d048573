/**
 * GET /_admin/openapi.json: an OpenAPI 3.1 description of the admin API
 * (https://spec.openapis.org/oas/v3.1.0). Request bodies, query parameters and the error body are
 * generated (zod's toJSONSchema, JSON Schema 2020-12, which OpenAPI 3.1 uses) from the very
 * schemas the admin routes validate with, so the description cannot drift from what is accepted.
 */
import { createRequire } from 'node:module';
import type * as Z from 'zod';
import { clockChangeSchema } from '../application/clock-control.js';
import { stateDocumentSchema } from '../application/document.js';
import { schemas as fixtureSchemas } from '../application/fixtures.js';
import { faultRuleSchema } from '../faults/rule.js';
import { adminSchemas } from './admin-schemas.js';

type JsonSchema = Record<string, unknown>;

/** One admin call as the document describes it. */
interface AdminCall {
  method: 'get' | 'post' | 'put' | 'delete';
  /** OpenAPI form: `/_admin/faults/{name}`. */
  path: string;
  summary: string;
  /** False for the calls open without the admin token. */
  token: boolean;
  /** Whether X-Sandbox-Session picks the state it acts on. */
  session: boolean;
  query?: Z.ZodObject;
  body?: { schema: Z.ZodType; description: string };
  /** The success answer; `schema` is a JSON answer's shape, when the document gives it. */
  ok: { status: number; description: string; contentType?: string; schema?: Z.ZodType };
  /** Error statuses this call can answer besides 400/401/403/413/429 common to all. */
  errors?: number[];
}

function calls(): AdminCall[] {
  const admin = adminSchemas();
  const fixtures = fixtureSchemas();
  const json = 'application/json';
  return [
    {
      method: 'get',
      path: '/_admin/',
      summary: 'The admin page (static HTML, CSS and JavaScript; no token needed)',
      token: false,
      session: false,
      ok: { status: 200, description: 'the page', contentType: 'text/html' },
    },
    {
      method: 'get',
      path: '/_admin/openapi.json',
      summary: 'This document (no token needed)',
      token: false,
      session: false,
      ok: { status: 200, description: 'the OpenAPI 3.1 description of the admin API' },
    },
    {
      method: 'get',
      path: '/_admin/health',
      summary: 'Liveness (no token needed)',
      token: false,
      session: false,
      ok: { status: 200, description: 'alive', schema: admin.responses.health },
    },
    {
      method: 'get',
      path: '/_admin/auth',
      summary: 'Whether a token is needed and whether the one sent is accepted (no token needed)',
      token: false,
      session: false,
      ok: { status: 200, description: 'whether to ask for a token', schema: admin.responses.auth },
    },
    {
      method: 'get',
      path: '/_admin/metrics',
      summary: 'Prometheus metrics of the whole process (requests, faults, bookings, sessions...)',
      token: true,
      session: false,
      ok: {
        status: 200,
        description: 'Prometheus text exposition format 0.0.4',
        contentType: 'text/plain; version=0.0.4; charset=utf-8',
      },
    },
    {
      method: 'get',
      path: '/_admin/state',
      summary:
        'Counts, patients, practitioners, slots and appointments as FHIR resources, scenario and faults',
      token: true,
      session: true,
      query: admin.stateQuery,
      ok: {
        status: 200,
        description: 'the state; sends an ETag, and If-None-Match gets 304 until it changes',
      },
    },
    {
      method: 'post',
      path: '/_admin/reset',
      summary: 'Back to the seed: appointments, fixtures, held slots, armed faults and the journal go',
      token: true,
      session: true,
      query: admin.resetQuery,
      ok: { status: 200, description: 'reset', schema: admin.responses.reset },
    },
    {
      method: 'get',
      path: '/_admin/requests',
      summary: 'The request journal, newest first',
      token: true,
      session: true,
      query: admin.requestsQuery,
      ok: { status: 200, description: 'an array of journal entries; sends an ETag' },
    },
    {
      method: 'get',
      path: '/_admin/clock',
      summary: 'The sandbox clock',
      token: true,
      session: true,
      ok: { status: 200, description: 'the sandbox clock', schema: admin.responses.clock },
    },
    {
      method: 'put',
      path: '/_admin/clock',
      summary: 'Freeze the sandbox clock at an instant, advance it, or go back to real time',
      token: true,
      session: true,
      body: { schema: clockChangeSchema(), description: 'exactly one of now, advance, real' },
      ok: { status: 200, description: 'the sandbox clock', schema: admin.responses.clock },
    },
    {
      method: 'get',
      path: '/_admin/snapshot',
      summary: "Export the state (the --db file's format)",
      token: true,
      session: true,
      ok: { status: 200, description: 'the state document', schema: stateDocumentSchema() },
    },
    {
      method: 'put',
      path: '/_admin/snapshot',
      summary: 'Import a state document, checked whole before anything changes',
      token: true,
      session: true,
      body: { schema: stateDocumentSchema(), description: 'the document GET /_admin/snapshot returns' },
      ok: { status: 200, description: 'imported', schema: admin.responses.imported },
    },
    {
      method: 'get',
      path: '/_admin/scenarios',
      summary: 'The bundled scenarios (which is active) and the magic patients',
      token: true,
      session: true,
      ok: { status: 200, description: '{scenarios: [{name, description, active}], magicPatients: [...]}' },
    },
    {
      method: 'put',
      path: '/_admin/scenario',
      summary: 'Switch the active scenario (without a session header: for every session too)',
      token: true,
      session: true,
      body: { schema: admin.scenarioBody, description: 'the scenario to activate, or null for none' },
      ok: {
        status: 200,
        description: 'the active scenario and the rules now armed',
        schema: admin.responses.scenario,
      },
    },
    {
      method: 'get',
      path: '/_admin/faults',
      summary: 'The armed fault rules, in the order they are tried',
      token: true,
      session: true,
      ok: { status: 200, description: 'an array of rules with explain, remaining and source' },
    },
    {
      method: 'post',
      path: '/_admin/faults',
      summary: 'Arm a fault rule (the same name replaces it)',
      token: true,
      session: true,
      body: { schema: faultRuleSchema(), description: 'a fault rule' },
      ok: { status: 201, description: 'the armed rule, with explain and remaining' },
    },
    {
      method: 'delete',
      path: '/_admin/faults',
      summary: 'Disarm every armed rule',
      token: true,
      session: true,
      ok: { status: 200, description: 'every rule disarmed', schema: admin.responses.disarmed },
    },
    {
      method: 'delete',
      path: '/_admin/faults/{name}',
      summary: 'Disarm one rule by name',
      token: true,
      session: true,
      ok: { status: 200, description: 'the rule disarmed', schema: admin.responses.disarmed },
      errors: [404],
    },
    {
      method: 'post',
      path: '/_admin/patients',
      summary: 'Add a fixture patient',
      token: true,
      session: true,
      body: {
        schema: fixtures.patientInput,
        description: 'a patient: name, gender and birthDate are required',
      },
      ok: { status: 201, description: 'the FHIR Patient' },
      errors: [409],
    },
    {
      method: 'post',
      path: '/_admin/slots',
      summary: 'Hold a generated slot busy for the practice, or free it again',
      token: true,
      session: true,
      body: {
        schema: fixtures.slotInput,
        description: 'slotId, or scheduleId and start; and the status',
      },
      ok: { status: 200, description: 'the FHIR Slot' },
      errors: [404, 409],
    },
    {
      method: 'post',
      path: '/_admin/appointments',
      summary: 'Add an appointment that did not come through POST /Appointment (past, not GP Connect...)',
      token: true,
      session: true,
      body: {
        schema: fixtures.appointmentInput,
        description: 'patientId and slotIds, or scheduleId and start (and end)',
      },
      ok: { status: 201, description: 'the FHIR Appointment' },
      errors: [409],
    },
  ].map((call) => ({ ...call, ok: { contentType: json, ...call.ok } })) as AdminCall[];
}

const ERROR_MEANING: Record<number, string> = {
  400: 'bad input (the field is named) or a path not in canonical form',
  401: 'the admin token is missing or wrong (X-Admin-Token)',
  403: 'a changing call from a page on another origin',
  404: 'no such thing',
  409: 'conflicts with the state',
  413: 'the body is too large',
  429: 'too many sessions (--max-sessions)',
};

function toJsonSchema(z: typeof Z, schema: Z.ZodType, io: 'input' | 'output' = 'input'): JsonSchema {
  const out = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
  }) as JsonSchema;
  delete out['$schema'];
  return out;
}

function operation(z: typeof Z, call: AdminCall): JsonSchema {
  const parameters: JsonSchema[] = [];
  for (const match of call.path.matchAll(/\{(\w+)\}/g)) {
    parameters.push({ name: match[1], in: 'path', required: true, schema: { type: 'string' } });
  }
  if (call.query) {
    for (const [name, field] of Object.entries(call.query.shape)) {
      const schema = toJsonSchema(z, field as Z.ZodType);
      const { description, ...rest } = schema;
      parameters.push({
        name,
        in: 'query',
        required: false,
        ...(description ? { description } : {}),
        schema: rest,
      });
    }
  }
  if (call.session) parameters.push({ $ref: '#/components/parameters/session' });
  const errors = new Set([400, ...(call.token ? [401] : []), ...(call.errors ?? [])]);
  if (call.body) {
    errors.add(403);
    errors.add(413);
  }
  if (call.session) errors.add(429);
  const responses: JsonSchema = {
    [String(call.ok.status)]: {
      description: call.ok.description,
      content: {
        [call.ok.contentType ?? 'application/json']: {
          schema: call.ok.schema ? toJsonSchema(z, call.ok.schema, 'output') : {},
        },
      },
    },
  };
  for (const status of [...errors].sort()) {
    responses[String(status)] = { $ref: `#/components/responses/error${status}` };
  }
  return {
    summary: call.summary,
    operationId: `${call.method}${call.path
      .replace('/_admin', '')
      .replace(/[{}.]/g, '')
      .split('/')
      .map((s) => s.charAt(0).toUpperCase() + s.slice(1))
      .join('')}`,
    ...(call.token ? {} : { security: [] }),
    ...(parameters.length ? { parameters } : {}),
    ...(call.body
      ? {
          requestBody: {
            required: true,
            description: call.body.description,
            content: { 'application/json': { schema: toJsonSchema(z, call.body.schema) } },
          },
        }
      : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of the admin API. `version` is the package's version. */
export function adminOpenApi(version: string): JsonSchema {
  const z = createRequire(import.meta.url)('zod') as typeof Z;
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const call of calls()) {
    paths[call.path] ??= {};
    paths[call.path]![call.method] = operation(z, call);
  }
  const errorResponses: Record<string, JsonSchema> = {};
  for (const [status, meaning] of Object.entries(ERROR_MEANING)) {
    errorResponses[`error${status}`] = {
      description: meaning,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/AdminError' } } },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'gpconnect-sandbox admin API',
      version,
      description:
        'Look at and steer a running gpconnect-sandbox: state, journal, scenarios and fault rules, the sandbox clock, snapshots and fixtures. JSON in and out; every error is {"error", "field"}. Never under the FHIR base path.',
    },
    security: [{}, { adminToken: [] }],
    paths,
    components: {
      securitySchemes: {
        adminToken: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Admin-Token',
          description:
            'Needed by every call but the page, health, auth and this document when the sandbox runs with --admin-token',
        },
      },
      parameters: {
        session: {
          name: 'X-Sandbox-Session',
          in: 'header',
          required: false,
          description: "Act on this session's state (made on first use) instead of the default state",
          schema: { type: 'string' },
        },
      },
      schemas: { AdminError: toJsonSchema(z, adminSchemas().errorBody) },
      responses: errorResponses,
    },
  };
}
