import { parseZonedInstant, ZONED_INSTANT_RULE } from '../domain/instant.js';
import { formatLondon } from '../domain/london-time.js';
import type { SandboxCore } from './core.js';
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

export function clockView(core: SandboxCore) {
  const now = core.clock.now();
  return {
    now: formatLondon(now),
    epochMs: now,
    frozen: core.clock.frozen,
    realNow: formatLondon(Date.now()),
  };
}

/** PUT /_admin/clock and the API's setClock(): freeze at an instant, advance, or back to real time. */
export async function changeClock(core: SandboxCore, body: unknown): Promise<ReturnType<typeof clockView>> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InputError('send {"now": ISO instant}, {"advance": "PT1H"} or {"real": true}', 'body');
  }
  const change = body as Record<string, unknown>;
  const keys = Object.keys(change);
  if (keys.length !== 1)
    throw new InputError('send exactly one of now, advance, real', keys.length ? keys.join(',') : 'body');
  if ('now' in change) {
    const ms = typeof change['now'] === 'string' ? parseZonedInstant(change['now']) : undefined;
    if (ms === undefined)
      throw new InputError(`now ${ZONED_INSTANT_RULE}, got ${JSON.stringify(change['now'])}`, 'now');
    core.clock.freeze(ms);
  } else if ('advance' in change) {
    const ms = typeof change['advance'] === 'string' ? parseDuration(change['advance']) : undefined;
    if (ms === undefined)
      throw new InputError('advance must be an ISO 8601 duration such as PT1H, P1D or PT30M', 'advance');
    core.clock.advance(ms);
  } else if ('real' in change) {
    if (change['real'] !== true) throw new InputError('real must be true', 'real');
    core.clock.real();
  } else {
    throw new InputError(`unknown field ${keys[0]}: send now, advance or real`, keys[0]);
  }
  await core.persist(core.defaultWorld);
  return clockView(core);
}
