/**
 * The bookable slots of a seed, as the sandbox itself lists them (GET /_admin/state), read from a
 * throw-away instance so the measured one never builds that multi-megabyte view (it would inflate
 * its RSS). Slot ids are stable for a seed and a date, so the list holds for a fresh instance.
 */
import { spawnServer } from './server-process.mjs';

/** Free slots starting at least `marginMinutes` from now, in the order the sandbox lists them. */
export async function freeSlots({ seedDir, days, pin, marginMinutes = 15 }) {
  const server = await spawnServer({
    args: ['dist/cli/main.js', 'start', '--port', '0', '--seed', seedDir, '--auth', 'strict', '--quiet'],
    pin,
  });
  try {
    const res = await fetch(`${server.url}/_admin/state?days=${days}`);
    if (res.status !== 200) throw new Error(`GET /_admin/state answered ${res.status}`);
    const state = await res.json();
    const after = Date.now() + marginMinutes * 60_000;
    return state.slots
      .filter((slot) => slot.status === 'free' && Date.parse(slot.start) > after)
      .map((slot) => slot.id);
  } finally {
    await server.stop();
  }
}
