/**
 * The zod schemas of the admin calls' own inputs (query parameters, the scenario switch) and of
 * the admin error body. The admin routes validate with them and GET /_admin/openapi.json is
 * generated from them, with the fixture, rule, clock and snapshot schemas that live beside the
 * code they guard, so the description cannot drift from what is accepted.
 */
import { createRequire } from 'node:module';
import type * as Z from 'zod';
import { fieldPath } from '../application/fixtures.js';
import { AdminError } from './admin-errors.js';

function buildAdminSchemas(z: typeof Z) {
  const wholeNumber = (name: string, max?: number) => {
    const message =
      max === undefined
        ? `${name} must be a positive integer`
        : `${name} must be an integer from 1 to ${max}`;
    const base = z.coerce.number({ error: message }).int({ error: message }).min(1, { error: message });
    return max === undefined ? base : base.max(max, { error: message });
  };

  /** GET /_admin/state: how many days of slots to list. */
  const stateQuery = z.object({
    days: wholeNumber('days', 366)
      .optional()
      .meta({ description: 'days of slots to list, from today (sandbox clock); 14 when left out' }),
  });

  /** GET /_admin/requests: how many journal entries, newest first. */
  const requestsQuery = z.object({
    limit: wholeNumber('limit').optional().meta({
      description: 'at most this many entries; all the journal keeps (--journal-size) when left out',
    }),
  });

  /** POST /_admin/reset: the default state (or the session's), or every state. */
  const resetQuery = z.object({
    all: z
      .enum(['true', 'false'], { error: 'all must be true or false' })
      .optional()
      .meta({ description: 'true resets the default state and every session' }),
  });

  /** PUT /_admin/scenario. */
  const scenarioBody = z.strictObject(
    {
      name: z
        .union([z.string().min(1), z.null()], {
          error: 'name must be a scenario name (GET /_admin/scenarios) or null for none',
        })
        .meta({
          description:
            'a bundled scenario (GET /_admin/scenarios), the one the sandbox was started with, or null for none',
        }),
    },
    { error: 'send {"name": "<scenario>"} or {"name": null} with Content-Type: application/json' },
  );

  /** Every admin error: what is wrong, and which field, header or parameter (when one is to blame). */
  const errorBody = z.strictObject({
    error: z.string().meta({ description: 'what is wrong, as a sentence' }),
    field: z.string().optional().meta({
      description: 'the field (a JSON path such as state.appointments[2].patientId), header or parameter',
    }),
  });

  /** The simple answers, for the document; a test holds the routes' real answers to them. */
  const responses = {
    health: z.strictObject({ status: z.literal('ok') }),
    auth: z.strictObject({ tokenRequired: z.boolean(), tokenAccepted: z.boolean() }),
    reset: z.strictObject({
      status: z.literal('reset'),
      sessions: z.number().int().optional().meta({ description: 'sessions reset too (all=true)' }),
    }),
    clock: z.strictObject({
      now: z.string().meta({ description: 'the sandbox clock, UK time with its offset' }),
      epochMs: z.number().int(),
      frozen: z.boolean(),
      realNow: z.string().meta({ description: 'real time, UK time with its offset' }),
    }),
    disarmed: z.strictObject({ disarmed: z.array(z.string()).meta({ description: 'the rules disarmed' }) }),
    imported: z.strictObject({
      status: z.literal('imported'),
      appointments: z.number().int(),
      fixturePatients: z.number().int(),
    }),
    scenario: z.strictObject({
      scenario: z.string().nullable(),
      faults: z.array(z.record(z.string(), z.unknown())).meta({ description: 'the rules now armed' }),
    }),
  };

  return { stateQuery, requestsQuery, resetQuery, scenarioBody, errorBody, responses };
}

type AdminSchemas = ReturnType<typeof buildAdminSchemas>;
let built: AdminSchemas | undefined;

/** Built on first use: zod costs start-up time. */
export function adminSchemas(): AdminSchemas {
  built ??= buildAdminSchemas(createRequire(import.meta.url)('zod') as typeof Z);
  return built;
}

/**
 * Validate an admin input with its schema; a bad one is an AdminError (400) whose message is the
 * schema's own and whose field is the first bad one.
 */
export function parseAdminInput<T>(schema: Z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    throw new AdminError(400, `unknown field "${key}"`, fieldPath([...issue.path, key]));
  }
  throw new AdminError(400, issue.message, fieldPath(issue.path) || 'body');
}
