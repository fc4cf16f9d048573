/**
 * GET /Slot handler cost over a large calendar: a generated seed with 280 practitioners gives
 * 16,800 slots a day. Prints the median and p90 of the handler (query → Bundle object, before
 * serialisation) for a whole day, an hour, and a day filtered to an ODS code.
 *   npx tsx bench/slot-search.ts        (PRACTITIONERS=70 for a smaller calendar)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { FhirCall } from '../src/http/fhir-types.js';
import { searchSlots } from '../src/http/handlers/slot-search.js';
import { createSandbox } from '../src/index.js';
import { generateSeed, writeSeed } from '../src/seeding/generator.js';
import { coreOf } from '../src/testing.js';

const dir = mkdtempSync(join(tmpdir(), 'gpc-slot-bench-'));
const practitioners = Number(process.env['PRACTITIONERS'] ?? 280);
writeSeed(dir, generateSeed({ randomSeed: 1, patients: 10, practitioners, days: 28 }));
const sandbox = createSandbox({ seed: dir, clock: '2026-06-01T08:00:00+01:00' });
const core = coreOf(sandbox);
console.log(
  `${practitioners} practitioners: ${core.calendar.slotsOnDay('2026-06-02').length} slots on 2026-06-02`,
);

function call(query: FhirCall['query']): FhirCall {
  return {
    core,
    world: core.defaultWorld,
    params: [],
    query: { status: 'free', _include: 'Slot:schedule', ...query },
    body: undefined,
    headers: {},
    nowMs: core.clock.now(),
    fhirBaseUrl: '',
  };
}

function measure(title: string, query: FhirCall['query'], runs = 300): void {
  const c = call(query);
  for (let i = 0; i < 30; i++) searchSlots(c);
  const times: number[] = [];
  let total = 0;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    total = searchSlots(c).resource!['total'] as number;
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.floor(times.length * q)]!.toFixed(2);
  console.log(
    `${title.padEnd(28)} ${String(total).padStart(6)} slots  median ${at(0.5)} ms  p90 ${at(0.9)} ms`,
  );
}

measure('one day', { start: 'ge2026-06-02', end: 'le2026-06-02' });
measure('one hour', { start: 'ge2026-06-02T09:00:00+01:00', end: 'le2026-06-02T10:00:00+01:00' });
measure('one day, ODS filter', {
  start: 'ge2026-06-02',
  end: 'le2026-06-02',
  searchFilter: 'https://fhir.nhs.uk/Id/ods-organization-code|A11111',
});
await sandbox.close();
rmSync(dir, { recursive: true, force: true });
