import { createRequire } from 'node:module';
import type * as Z from 'zod';
import { inClockRange } from '../domain/clock.js';
import { parseZonedInstant, ZONED_INSTANT_RULE } from '../domain/instant.js';
import { formatLondon } from '../domain/london-time.js';
import type { Application } from './application.js';
import { zodInputError } from './fixtures.js';
import { InputError } from './input-error.js';

export type ClockChange = { now: string } | { advance: string } | { real: true };

const DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** ISO 8601 durations in days, hours, minutes and seconds (PT1H, P2D, P1DT30M); a leading - goes back. */
export function parseDuration(text: string): number | undefined {
  const negative = text.startsWith('-');
  const m = DURATION.exec(negative ? text.slice(1) : text);
  if (!m || text.endsWith('T') || /^-?P$/.test(text)) return undefined;
  const [, d, h, min, s] = m;
  const ms =
    ((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(min ?? 0)) * 60_000 + Number(s ?? 0) * 1000;
  return negative ? -ms : ms;
}

/**
 * GET /_admin/clock: the sandbox clock's instant (London time) and whether it is frozen.
 * @internal The core's types (and through them the Redis client's) stay out of the published .d.ts.
 */
export function clockView(core: Application) {
  const now = core.clock.now();
  return {
    now: formatLondon(now),
    epochMs: now,
    frozen: core.clock.frozen,
    realNow: formatLondon(Date.now()),
  };
}

function buildClockSchema(z: typeof Z) {
  return z
    .strictObject(
      {
        now: z
          .string()
          .refine((s) => parseZonedInstant(s) !== undefined, { error: `now ${ZONED_INSTANT_RULE}` })
          .optional()
          .meta({ description: 'freeze the sandbox clock at this instant' }),
        advance: z
          .string()
          .refine((s) => parseDuration(s) !== undefined, {
            error: 'advance must be an ISO 8601 duration such as PT1H, P1D or PT30M',
          })
          .optional()
          .meta({ description: 'move the sandbox clock by an ISO 8601 duration (a leading - goes back)' }),
        real: z
          .literal(true, { error: 'real must be true' })
          .optional()
          .meta({ description: 'back to real time' }),
      },
      { error: 'send {"now": ISO instant}, {"advance": "PT1H"} or {"real": true}' },
    )
    .superRefine((change, ctx) => {
      const given = Object.keys(change);
      if (given.length !== 1)
        ctx.addIssue({ code: 'custom', message: 'send exactly one of now, advance, real' });
    })
    .meta({ minProperties: 1, maxProperties: 1 });
}

let clockSchema: ReturnType<typeof buildClockSchema> | undefined;

/** The body of PUT /_admin/clock and setClock(): exactly one of now, advance, real.
 * @internal zod types stay out of the published .d.ts (tsconfig.build.json stripInternal).
 */
export function clockChangeSchema(): ReturnType<typeof buildClockSchema> {
  clockSchema ??= buildClockSchema(createRequire(import.meta.url)('zod') as typeof Z);
  return clockSchema;
}

/** Refuse (InputError naming `field`) an instant the sandbox clock may not show (CLOCK_RANGE). */
function checkInRange(ms: number, field: 'now' | 'advance'): void {
  if (inClockRange(ms)) return;
  throw new InputError(
    `${field} would put the sandbox clock ${Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? `at ${new Date(ms).toISOString()}` : 'beyond any date'}; it must stay from 1970-01-01T00:00:00Z to 9998-12-31T23:59:59Z`,
    field,
  );
}

/**
 * PUT /_admin/clock and the API's setClock(): freeze at an instant, advance, or back to real time.
 * Throws InputError naming the field. @internal (see clockView)
 */
export async function changeClock(core: Application, body: unknown): Promise<ReturnType<typeof clockView>> {
  const result = clockChangeSchema().safeParse(body, { reportInput: true });
  if (!result.success) {
    const issue = result.error.issues[0]!;
    if (issue.code === 'custom' && issue.path.length === 0) {
      const keys = Object.keys(body as object);
      throw new InputError(issue.message, keys.length ? keys.join(',') : 'body');
    }
    throw zodInputError(result.error);
  }
  const change = result.data;
  if (change.now !== undefined) {
    const at = parseZonedInstant(change.now)!;
    checkInRange(at, 'now');
    await core.changeClock((clock) => clock.freeze(at));
  } else if (change.advance !== undefined) {
    // Whole milliseconds, as the clock, snapshots and --db files hold it.
    const by = Math.round(parseDuration(change.advance)!);
    // Checked before anything changes: a clock no answer could format would break every request.
    checkInRange(core.clock.now() + by, 'advance');
    await core.changeClock((clock) => {
      // Again on the clock as stored: another replica may have moved it since.
      checkInRange(clock.now() + by, 'advance');
      clock.advance(by);
    });
  } else await core.changeClock((clock) => clock.real());
  return clockView(core);
}
