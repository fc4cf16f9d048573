/**
 * `npm run bench` (issue #9): the sandbox built from this checkout against a bare Express 5 baseline,
 * on the same machine in one run. Prints a table and writes bench/results/latest.json.
 *   node bench/run.mjs [--quick] [--cpu-prof] [--out FILE]
 * --quick     ~1 minute smoke run (one short repeat each); writes bench/results/quick.json
 * --cpu-prof  afterwards, profile the sandbox with node --cpu-prof (booking in memory, booking with
 *             --db, slot search, start-up) and print self time by module and function; the
 *             profiles stay in bench/results/profiles/ (open them in Chrome DevTools)
 * Run `npm run build` first (the npm script does).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { bookingRepeat, resetSandbox } from './lib/booking-load.mjs';
import { formatSummary, summarizeCpuProfile } from './lib/cpu-profile-summary.mjs';
import { freeSlots } from './lib/free-slots.mjs';
import { startBenchRedis } from './lib/redis-server.mjs';
import { cpuSeconds, planPinning, rssMb, sleep, spawnServer } from './lib/server-process.mjs';
import {
  londonDate,
  londonDateTime,
  pairedSlotSearch,
  slotSearchLatency,
} from './lib/slot-search-latency.mjs';
import { median, percentile, round, spread } from './lib/stats.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(ROOT);

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const cpuProf = argv.includes('--cpu-prof');
const outIndex = argv.indexOf('--out');
if (outIndex >= 0 && !argv[outIndex + 1]) {
  process.stderr.write('bench: --out needs a file name\n');
  process.exit(2);
}
const outFile = resolve(
  outIndex >= 0 ? argv[outIndex + 1] : join('bench', 'results', quick ? 'quick.json' : 'latest.json'),
);
for (const a of argv) {
  if (a.startsWith('--') && !['--quick', '--cpu-prof', '--out'].includes(a)) {
    process.stderr.write(`bench: unknown flag ${a} (known: --quick, --cpu-prof, --out FILE)\n`);
    process.exit(2);
  }
}

const PLAN = quick
  ? { repeats: 1, seconds: 2, warmup: 1, readySamples: 3, searchSeconds: 1, searchRepeats: 1 }
  : { repeats: 5, seconds: 3, warmup: 3, readySamples: 5, searchSeconds: 2, searchRepeats: 3 };
const CONNECTIONS = 32;
const PROFILE_SECONDS = quick ? 3 : 6;
const PATIENTS = 50;
/** The seeds: practitioners × days × 60 ten-minute slots a day (08:00-18:00, every day). */
const SEEDS = {
  '1k': { practitioners: 2, days: 9 },
  '17k': { practitioners: 20, days: 14 },
  '100k': { practitioners: 60, days: 28 },
};
const TARGETS = {
  bookingMemory: 0.6,
  bookingDb: 0.6,
  searchMedianMs: 5,
  searchRatio: 1.5,
  readyRatio: 1.5,
  rssMb: 120,
  flatThroughput: 0.8,
  bookingRedis: 0.35,
};

const log = (line) => process.stderr.write(`bench: ${line}\n`);
const started = performance.now();
const pinning = planPinning();
const load = { before: loadavg().map((x) => round(x, 2)) };
log(`${quick ? 'quick' : 'full'} run; ${pinning.note}; load average ${load.before.join(' ')}`);

const work = mkdtempSync(join(tmpdir(), 'gpc-bench-'));
const servers = [];
/** The redis-server of the Redis rows, when there is one (stopped in `finally`). */
let benchRedis;
try {
  const results = await main();
  results.elapsedSeconds = round((performance.now() - started) / 1000, 1);
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`\n${formatTable(results)}\n\nwrote ${outFile} in ${results.elapsedSeconds} s\n`);
} finally {
  await Promise.allSettled(servers.map((s) => s.stop()));
  await benchRedis?.stop?.();
  rmSync(work, { recursive: true, force: true });
}

async function main() {
  // Seeds, generated the way a user would, in parallel.
  const seedDirs = Object.fromEntries(Object.keys(SEEDS).map((k) => [k, join(work, `seed-${k}`)]));
  await Promise.all(
    Object.entries(SEEDS).map(([k, s]) =>
      run(process.execPath, [
        'dist/cli/main.js',
        'seed',
        '--random-seed',
        '1',
        '--patients',
        String(PATIENTS),
        '--practitioners',
        String(s.practitioners),
        '--days',
        String(s.days),
        '--out',
        seedDirs[k],
      ]),
    ),
  );
  const slots = {};
  for (const [k, s] of Object.entries(SEEDS)) {
    slots[k] = await freeSlots({ seedDir: seedDirs[k], days: s.days, pin: pinning.pinned });
    log(`seed ${k}: ${s.practitioners} practitioners × ${s.days} days, ${slots[k].length} bookable slots`);
  }

  // Every measured server runs at once (idle ones cost no CPU), and repeats go round-robin, so
  // noise from the shared machine lands on all of them alike rather than on whichever ran last.
  const sandboxArgs = (seed, extra = []) => [
    'dist/cli/main.js',
    'start',
    '--port',
    '0',
    '--seed',
    seedDirs[seed],
    '--auth',
    'strict',
    '--quiet',
    ...extra,
  ];
  const configs = [
    { key: 'baseline', args: ['bench/baseline.mjs', '--port', '0'], slots: slots['17k'], reset: false },
    { key: 'memory17k', args: sandboxArgs('17k'), slots: slots['17k'], reset: true },
    {
      key: 'db17k',
      args: sandboxArgs('17k', ['--db', join(work, 'bench-17k.json')]),
      slots: slots['17k'],
      reset: true,
    },
    { key: 'memory1k', args: sandboxArgs('1k'), slots: slots['1k'], reset: true },
    { key: 'memory100k', args: sandboxArgs('100k'), slots: slots['100k'], reset: true },
  ];
  // Issue 16: the same booking load through `--db redis://` (one replica, pinned like the others),
  // and a pair of replicas on one Redis (both unpinned: the pair is there to use both cores).
  const redisRows = await startRedisRows(sandboxArgs, slots['17k']);
  if (redisRows.one) configs.push(redisRows.one);
  for (const c of configs) {
    c.server ??= await spawnServer({ args: c.args, pin: pinning.pinned });
    servers.push(c.server);
    await sleep(300);
    c.rssIdleMb = rssMb(c.server.pid);
    c.repeats = [];
  }
  for (const c of configs) {
    c.cpu = () => cpuSeconds(c.server.pid);
    await bookingRepeat({
      url: c.server.url,
      slots: c.slots,
      seconds: PLAN.warmup,
      connections: CONNECTIONS,
      reset: c.reset,
    });
  }
  for (let r = 0; r < PLAN.repeats; r++) {
    for (const c of configs) {
      const redisCpuBefore = c.key === 'redis17k' ? cpuSeconds(benchRedis.pid) : 0;
      const result = await bookingRepeat({
        url: c.server.url,
        slots: c.slots,
        seconds: PLAN.seconds,
        connections: CONNECTIONS,
        reset: c.reset,
        cpu: c.cpu,
      });
      if (c.key === 'redis17k') {
        result.redisCpuUsPerBooking = ((cpuSeconds(benchRedis.pid) - redisCpuBefore) / result.answered) * 1e6;
      }
      c.repeats.push(result);
      log(
        `${c.key.padEnd(10)} repeat ${r + 1}: ${Math.round(result.perSecond)} bookings/s` +
          ` (${result.booked} in ${result.elapsed.toFixed(2)} s, ${result.rounds} round(s),` +
          ` ${Math.round(result.cpuUsPerRequest)} µs server CPU each, CPU share ${result.cpuShare.toFixed(2)}` +
          `${result.duplicate ? `, ${result.duplicate} DUPLICATE_REJECTED` : ''}` +
          `${result.other ? `, ${result.other} other: ${result.otherSample}` : ''})`,
      );
    }
  }
  for (const c of configs) c.rssAfterMb = rssMb(c.server.pid);
  const pair = redisRows.pair ? await measurePair(redisRows.pair) : { skipped: redisRows.skipped };
  await Promise.all((redisRows.pair?.servers ?? []).map((s) => s.stop()));

  // Slot search on the 17k instance, every slot free again, tomorrow (a whole day of slots), taking
  // turns with the baseline sending the sandbox's own answer (the same bytes).
  const mem = configs.find((c) => c.key === 'memory17k');
  await resetSandbox(mem.server.url);
  const searchDate = londonDate(1);
  const search = await pairedSlotSearch({
    url: mem.server.url,
    baselineUrl: configs[0].server.url,
    start: searchDate,
    end: searchDate,
    seconds: PLAN.searchSeconds,
    repeats: PLAN.searchRepeats,
    cpu: mem.cpu,
    baselineCpu: configs[0].cpu,
  });
  // Not a target: one hour of the same day, to show how much of the day's cost is its size.
  const searchHour = search.available
    ? await slotSearchLatency({
        url: mem.server.url,
        start: londonDateTime(searchDate, '09:00'),
        end: londonDateTime(searchDate, '10:00'),
        seconds: PLAN.searchSeconds,
        repeats: 1,
        cpu: mem.cpu,
      })
    : search;
  const rssAfterSearchMb = rssMb(mem.server.pid);
  await Promise.all(configs.map((c) => c.server.stop()));
  servers.length = 0;

  // Time to ready, alternating so drift in the machine's load hits all alike: the sandbox with its
  // bundled seed (what `npm start` and a CI fixture run) and with the 17k seed given by --seed.
  const readyCases = [
    ['baseline', configs[0].args],
    ['bundled', ['dist/cli/main.js', 'start', '--port', '0', '--auth', 'strict', '--quiet']],
    ['seed17k', sandboxArgs('17k')],
  ];
  const ready = Object.fromEntries(readyCases.map(([key]) => [key, { ms: [], cpuMs: [] }]));
  for (let i = 0; i < PLAN.readySamples; i++) {
    for (const [key, args] of readyCases) {
      const s = await spawnServer({ args, pin: pinning.pinned });
      ready[key].ms.push(s.readyMs);
      ready[key].cpuMs.push(s.readyCpuMs);
      await s.stop();
    }
  }

  load.after = loadavg().map((x) => round(x, 2));
  const results = summarize({ configs, search, searchHour, rssAfterSearchMb, ready, slots, pair, redisRows });
  if (cpuProf) results.cpuProfiles = await profile(sandboxArgs, slots['17k'], searchDate);
  return results;
}

function bookingFigure(c) {
  const perSecond = c.repeats.map((r) => r.perSecond);
  const cpuUs = c.repeats.map((r) => r.cpuUsPerRequest);
  return {
    bookingsPerSecond: round(median(perSecond)),
    repeats: perSecond.map((x) => round(x)),
    spread: round(spread(perSecond), 3),
    cpuUsPerRequest: round(median(cpuUs)),
    cpuUsRepeats: cpuUs.map((x) => round(x)),
    cpuUsSpread: round(spread(cpuUs), 3),
    cpuShare: c.repeats.map((r) => round(r.cpuShare, 2)),
    booked: c.repeats.reduce((n, r) => n + r.booked, 0),
    duplicateRejected: c.repeats.reduce((n, r) => n + r.duplicate, 0),
    other: c.repeats.reduce((n, r) => n + r.other, 0),
    otherSample: c.repeats.find((r) => r.otherSample)?.otherSample,
    errors: c.repeats.reduce((n, r) => n + r.errors, 0),
    rounds: c.repeats.map((r) => r.rounds),
    slots: c.slots.length,
    rssIdleMb: round(c.rssIdleMb, 1),
    rssAfterMb: round(c.rssAfterMb, 1),
  };
}

function summarize({ configs, search, searchHour, rssAfterSearchMb, ready, slots, pair, redisRows }) {
  const fig = Object.fromEntries(configs.map((c) => [c.key, bookingFigure(c)]));
  const base = fig.baseline.bookingsPerSecond;
  const paired = (key) =>
    configs[0].repeats.map((b, i) =>
      round(configs.find((c) => c.key === key).repeats[i].perSecond / b.perSecond, 3),
    );
  const scaling = ['memory1k', 'memory17k', 'memory100k'].map((key) => ({
    key,
    slots: fig[key].slots,
    bookingsPerSecond: fig[key].bookingsPerSecond,
    cpuUsPerRequest: fig[key].cpuUsPerRequest,
    rssIdleMb: fig[key].rssIdleMb,
    rssAfterMb: fig[key].rssAfterMb,
  }));
  const tps = scaling.map((s) => s.bookingsPerSecond);
  let searchFigure = { available: false, status: search.status, reason: search.reason };
  if (search.available) {
    const all = search.samples.flat();
    const medians = search.samples.map((s) => median(s));
    const hour = searchHour.samples.flat();
    const baselineAll = search.baseline.samples.flat();
    searchFigure = {
      available: true,
      request: `GET ${search.target}`,
      total: search.total,
      entries: search.entries,
      bytes: search.bytes,
      requests: all.length,
      medianMs: round(median(all), 2),
      p99Ms: round(percentile(all, 99), 2),
      repeatMediansMs: medians.map((m) => round(m, 2)),
      spread: round(spread(medians), 3),
      rssAfterMb: round(rssAfterSearchMb, 1),
      serverCpuMsPerRequest: round(search.cpuMsPerRequest, 2),
      baseline: {
        requests: baselineAll.length,
        medianMs: round(median(baselineAll), 2),
        p99Ms: round(percentile(baselineAll, 99), 2),
        repeatMediansMs: search.baseline.samples.map((x) => round(median(x), 2)),
        serverCpuMsPerRequest: round(search.baseline.cpuMsPerRequest, 2),
      },
      ratio: round(median(all) / median(baselineAll), 3),
      pairedRatios: search.samples.map((x, i) => round(median(x) / median(search.baseline.samples[i]), 3)),
      cpuRatio: round(search.cpuMsPerRequest / search.baseline.cpuMsPerRequest, 3),
      oneHour: {
        request: `GET ${searchHour.target}`,
        entries: searchHour.entries,
        bytes: searchHour.bytes,
        medianMs: round(median(hour), 2),
        p99Ms: round(percentile(hour, 99), 2),
      },
    };
  }
  const readyFigure = (key) => ({
    ms: round(median(ready[key].ms), 1),
    cpuMs: round(median(ready[key].cpuMs)),
    samplesMs: ready[key].ms.map((x) => round(x, 1)),
    spread: round(spread(ready[key].ms), 3),
  });
  const readyFigures = Object.fromEntries(Object.keys(ready).map((key) => [key, readyFigure(key)]));
  for (const key of ['bundled', 'seed17k']) {
    readyFigures[key].ratio = round(readyFigures[key].ms / readyFigures.baseline.ms, 3);
    readyFigures[key].cpuRatio = round(readyFigures[key].cpuMs / readyFigures.baseline.cpuMs, 3);
  }
  return {
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    node: process.version,
    cpu: `${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}`,
    pinning: pinning.note,
    loadAverage: load,
    plan: { ...PLAN, connections: CONNECTIONS, seeds: SEEDS },
    targets: TARGETS,
    booking: {
      baseline: fig.baseline,
      memory: {
        ...fig.memory17k,
        ratio: round(fig.memory17k.bookingsPerSecond / base, 3),
        pairedRatios: paired('memory17k'),
        cpuRatio: round(fig.baseline.cpuUsPerRequest / fig.memory17k.cpuUsPerRequest, 3),
        bestRatio: round(Math.max(...fig.memory17k.repeats) / Math.max(...fig.baseline.repeats), 3),
      },
      db: {
        ...fig.db17k,
        ratio: round(fig.db17k.bookingsPerSecond / base, 3),
        pairedRatios: paired('db17k'),
        cpuRatio: round(fig.baseline.cpuUsPerRequest / fig.db17k.cpuUsPerRequest, 3),
        bestRatio: round(Math.max(...fig.db17k.repeats) / Math.max(...fig.baseline.repeats), 3),
      },
      redis: fig.redis17k
        ? {
            ...fig.redis17k,
            ratio: round(fig.redis17k.bookingsPerSecond / base, 3),
            pairedRatios: paired('redis17k'),
            cpuRatio: round(fig.baseline.cpuUsPerRequest / fig.redis17k.cpuUsPerRequest, 3),
            bestRatio: round(Math.max(...fig.redis17k.repeats) / Math.max(...fig.baseline.repeats), 3),
            redisServerCpuUsPerBooking: round(
              median(configs.find((c) => c.key === 'redis17k').repeats.map((x) => x.redisCpuUsPerBooking)),
            ),
          }
        : { skipped: redisRows.skipped },
      redisPair: pair,
    },
    slotSearch: searchFigure,
    ready: readyFigures,
    memory: {
      slots: slots['17k'].length,
      idleMb: fig.memory17k.rssIdleMb,
      afterBookingMb: fig.memory17k.rssAfterMb,
      dbIdleMb: fig.db17k.rssIdleMb,
      dbAfterBookingMb: fig.db17k.rssAfterMb,
      baselineIdleMb: fig.baseline.rssIdleMb,
      baselineAfterMb: fig.baseline.rssAfterMb,
    },
    scaling: {
      points: scaling,
      throughputMinOverMax: round(Math.min(...tps) / Math.max(...tps), 3),
      rssPer10kSlotsMb: round(
        ((scaling[2].rssAfterMb - scaling[0].rssAfterMb) / (scaling[2].slots - scaling[0].slots)) * 10_000,
        2,
      ),
    },
    others: {
      memory1k: fig.memory1k,
      memory100k: fig.memory100k,
    },
  };
}

function verdict(ok) {
  return ok ? 'met' : 'MISSED';
}

function n(x) {
  return Math.round(x).toLocaleString('en-GB');
}

function formatTable(r) {
  const b = r.booking;
  const s = r.slotSearch;
  const us = (x) => `${n(x)} µs`;
  const rows = [
    ['figure', 'measured (medians)', 'steadier on a shared machine: server CPU; best repeats', 'target', ''],
    [
      'booking, in memory (17k slots)',
      `${n(b.memory.bookingsPerSecond)}/s = ${b.memory.ratio.toFixed(2)} × baseline ${n(b.baseline.bookingsPerSecond)}/s`,
      `${us(b.memory.cpuUsPerRequest)}/booking vs ${us(b.baseline.cpuUsPerRequest)} = ${b.memory.cpuRatio.toFixed(2)} ×; best ${b.memory.bestRatio.toFixed(2)} ×`,
      `≥ ${TARGETS.bookingMemory} ×`,
      verdict(b.memory.ratio >= TARGETS.bookingMemory),
    ],
    [
      'booking, --db FILE (17k slots)',
      `${n(b.db.bookingsPerSecond)}/s = ${b.db.ratio.toFixed(2)} × baseline`,
      `${us(b.db.cpuUsPerRequest)}/booking = ${b.db.cpuRatio.toFixed(2)} ×; best ${b.db.bestRatio.toFixed(2)} ×`,
      `≥ ${TARGETS.bookingDb} ×`,
      verdict(b.db.ratio >= TARGETS.bookingDb),
    ],
    ...redisTableRows(b, us),
    s.available
      ? [
          `slot search, one day (${n(s.entries)} entries)`,
          `median ${s.medianMs} ms, p99 ${s.p99Ms} ms`,
          `${s.serverCpuMsPerRequest} ms/search`,
          `median < ${TARGETS.searchMedianMs} ms`,
          verdict(s.medianMs < TARGETS.searchMedianMs),
        ]
      : [
          'slot search, one day',
          `not available yet (${s.status}: ${s.reason})`,
          '-',
          `median < ${TARGETS.searchMedianMs} ms`,
          '-',
        ],
    s.available
      ? [
          '  the same, against bare Express',
          `${s.ratio.toFixed(2)} × baseline median ${s.baseline.medianMs} ms (same ${n(s.bytes)} bytes), p99 ${s.baseline.p99Ms} ms`,
          `${s.serverCpuMsPerRequest} ms vs ${s.baseline.serverCpuMsPerRequest} ms = ${s.cpuRatio.toFixed(2)} ×; repeats ${s.pairedRatios.map((x) => x.toFixed(2)).join(', ')}`,
          `≤ ${TARGETS.searchRatio} × (median)`,
          verdict(s.ratio <= TARGETS.searchRatio),
        ]
      : ['  the same, against bare Express', '-', '-', `≤ ${TARGETS.searchRatio} × (median)`, '-'],
    ...(s.available
      ? [
          [
            '  one hour of it (not a target)',
            `median ${s.oneHour.medianMs} ms, p99 ${s.oneHour.p99Ms} ms (${n(s.oneHour.entries)} entries)`,
            '',
            '',
            '',
          ],
        ]
      : []),
    ...[
      ['time to ready, bundled seed', r.ready.bundled],
      ['time to ready, --seed DIR (17k)', r.ready.seed17k],
    ].map(([title, f]) => [
      title,
      `${n(f.ms)} ms = ${f.ratio.toFixed(2)} × baseline ${n(r.ready.baseline.ms)} ms`,
      `${n(f.cpuMs)} ms vs ${n(r.ready.baseline.cpuMs)} ms = ${f.cpuRatio.toFixed(2)} ×`,
      `≤ ${TARGETS.readyRatio} ×`,
      verdict(f.ratio <= TARGETS.readyRatio),
    ]),
    [
      `memory (${n(r.memory.slots)} slots)`,
      `RSS idle ${r.memory.idleMb} MB, after booking ${r.memory.afterBookingMb} MB (--db ${r.memory.dbAfterBookingMb} MB)`,
      `baseline ${r.memory.baselineIdleMb} MB idle, ${r.memory.baselineAfterMb} MB after its load`,
      `< ${TARGETS.rssMb} MB`,
      verdict(Math.max(r.memory.afterBookingMb, r.memory.dbAfterBookingMb) < TARGETS.rssMb),
    ],
    [
      'how cost grows',
      r.scaling.points
        .map((p) => `${n(p.slots)}: ${n(p.bookingsPerSecond)}/s, ${p.rssAfterMb} MB`)
        .join('; '),
      r.scaling.points.map((p) => us(p.cpuUsPerRequest)).join('; '),
      'flat; RSS linear, small',
      `${verdict(r.scaling.throughputMinOverMax >= TARGETS.flatThroughput)} (min/max ${r.scaling.throughputMinOverMax}; ${r.scaling.rssPer10kSlotsMb} MB per 10k slots)`,
    ],
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const line = (row) => `| ${row.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  const noise = [
    `baseline ${pct(b.baseline.spread)} (CPU/request ${pct(b.baseline.cpuUsSpread)})`,
    `in memory ${pct(b.memory.spread)} (${pct(b.memory.cpuUsSpread)})`,
    `--db ${pct(b.db.spread)} (${pct(b.db.cpuUsSpread)})`,
    s.available ? `search medians ${pct(s.spread)}` : undefined,
    `ready ${pct(r.ready.baseline.spread)} / ${pct(r.ready.bundled.spread)} / ${pct(r.ready.seed17k.spread)}`,
  ].filter(Boolean);
  const anomalies = [b.baseline, b.memory, b.db, r.others.memory1k, r.others.memory100k]
    .concat(b.redis.skipped ? [] : [b.redis])
    .filter((f) => f.duplicateRejected || f.other || f.errors)
    .map(
      (f) =>
        `${f.duplicateRejected} DUPLICATE_REJECTED, ${f.other} other (${f.otherSample ?? '-'}), ${f.errors} errors`,
    );
  return [
    line(rows[0]),
    `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`,
    ...rows.slice(1).map(line),
    '',
    `repeat spread (max-min)/median: ${noise.join(', ')}; load average ${r.loadAverage.before.join(' ')} → ${r.loadAverage.after.join(' ')}`,
    `${r.pinning}; ${r.plan.repeats} × ${r.plan.seconds} s per figure, ${CONNECTIONS} connections, medians`,
    ...(anomalies.length
      ? [`non-201 answers: ${anomalies.join('; ')}`]
      : ['every counted booking answered 201']),
  ].join('\n');
}

/** The Redis rows of the table: booking through one replica, and two replicas against one. */
function redisTableRows(b, us) {
  if (b.redis.skipped) {
    return [
      [
        'booking, --db redis:// (17k slots)',
        `skipped: ${b.redis.skipped}`,
        '-',
        `≥ ${TARGETS.bookingRedis} ×`,
        '-',
      ],
    ];
  }
  const p = b.redisPair;
  return [
    [
      'booking, --db redis:// (17k slots)',
      `${n(b.redis.bookingsPerSecond)}/s = ${b.redis.ratio.toFixed(2)} × baseline`,
      `${us(b.redis.cpuUsPerRequest)}/booking = ${b.redis.cpuRatio.toFixed(2)} × (+ redis-server ${us(b.redis.redisServerCpuUsPerBooking)}); best ${b.redis.bestRatio.toFixed(2)} ×`,
      `≥ ${TARGETS.bookingRedis} ×`,
      verdict(b.redis.ratio >= TARGETS.bookingRedis),
    ],
    p.skipped
      ? ['  two replicas on one Redis', `skipped: ${p.skipped}`, '-', 'reported', '']
      : [
          '  two replicas on one Redis (total)',
          `${n(p.twoPerSecond)}/s = ${p.ratio.toFixed(2)} × one replica ${n(p.onePerSecond)}/s`,
          `not pinned: replicas, redis-server and load share ${p.cores} cores`,
          'reported',
          '',
        ],
  ];
}

/**
 * Start redis-server and the Redis sandboxes: `one` (a config measured with the others) and `pair`
 * (two replicas on one prefix). { skipped: reason } without redis-server or when a replica will
 * not start (a build without the Redis store).
 */
async function startRedisRows(sandboxArgs, slots) {
  try {
    benchRedis = await startBenchRedis();
  } catch (error) {
    log(`Redis rows skipped: ${error.message}`);
    return { skipped: error.message };
  }
  if (benchRedis.skipped) {
    log(`Redis rows skipped: ${benchRedis.skipped}`);
    return { skipped: benchRedis.skipped };
  }
  let one;
  try {
    const oneArgs = sandboxArgs('17k', ['--db', benchRedis.url, '--redis-prefix', 'bench-one']);
    one = { key: 'redis17k', args: oneArgs, slots, reset: true };
    one.server = await spawnServer({ args: oneArgs, pin: pinning.pinned });
    const pairArgs = sandboxArgs('17k', ['--db', benchRedis.url, '--redis-prefix', 'bench-pair']);
    const first = await spawnServer({ args: pairArgs, pin: false });
    servers.push(first);
    const second = await spawnServer({ args: pairArgs, pin: false });
    servers.push(second);
    return { one, pair: { servers: [first, second], slots } };
  } catch (error) {
    const reason = `a --db redis:// replica did not start (${String(error.message).split('\n')[0]})`;
    log(`Redis rows skipped: ${reason}`);
    await one?.server?.stop();
    return { skipped: reason };
  }
}

/**
 * Two replicas' total against one, on one Redis: each repeat resets the shared state, books with
 * the first replica alone (all connections), resets, then books with both at once (half the
 * connections each, on disjoint halves of the slots, so neither meets the other's bookings).
 */
async function measurePair({ servers: [first, second], slots }) {
  const even = slots.filter((_, i) => i % 2 === 0);
  const odd = slots.filter((_, i) => i % 2 === 1);
  const half = CONNECTIONS / 2;
  const run = { seconds: PLAN.seconds, reset: false };
  await bookingRepeat({
    url: first.url,
    slots,
    connections: CONNECTIONS,
    ...run,
    seconds: PLAN.warmup,
    reset: true,
  });
  const one = [];
  const two = [];
  for (let r = 0; r < PLAN.repeats; r++) {
    await resetSandbox(first.url);
    const alone = await bookingRepeat({ url: first.url, slots, connections: CONNECTIONS, ...run });
    one.push(alone.perSecond);
    await resetSandbox(second.url);
    const both = await Promise.all([
      bookingRepeat({ url: first.url, slots: even, connections: half, ...run }),
      bookingRepeat({ url: second.url, slots: odd, connections: half, ...run }),
    ]);
    two.push(both[0].perSecond + both[1].perSecond);
    const odd2 = both.reduce((k, x) => k + x.duplicate + x.other + x.errors, 0);
    log(
      `redisPair  repeat ${r + 1}: one replica ${Math.round(alone.perSecond)} bookings/s, two ${Math.round(two[r])} bookings/s${odd2 ? ` (${odd2} not 201)` : ''}`,
    );
  }
  const onePerSecond = median(one);
  const twoPerSecond = median(two);
  return {
    onePerSecond: round(onePerSecond),
    twoPerSecond: round(twoPerSecond),
    ratio: round(twoPerSecond / onePerSecond, 3),
    oneRepeats: one.map((x) => round(x)),
    twoRepeats: two.map((x) => round(x)),
    cores: cpus().length,
  };
}

function pct(fraction) {
  return `${Math.round(fraction * 100)} %`;
}

function run(command, args) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    child.on('exit', (code) =>
      code === 0 ? resolvePromise() : reject(new Error(`${args.join(' ')} exited ${code}: ${stderr}`)),
    );
  });
}

/** Profiles of the sandbox child (not part of the measured figures: profiling slows it down). */
async function profile(sandboxArgs, slots, searchDate) {
  const dir = join('bench', 'results', 'profiles');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const out = {};
  const cases = [
    ['booking-memory', sandboxArgs('17k')],
    ['booking-db', sandboxArgs('17k', ['--db', join(work, 'profile.json')])],
    ['slot-search', sandboxArgs('17k')],
    ['ready', ['dist/cli/main.js', 'start', '--port', '0', '--auth', 'strict', '--quiet']],
  ];
  for (const [name, args] of cases) {
    const sub = join(dir, name);
    const spawned = performance.now();
    const s = await spawnServer({
      args,
      pin: pinning.pinned,
      nodeFlags: ['--cpu-prof', '--cpu-prof-dir', sub],
    });
    servers.push(s);
    // Warm up first (lazy loads, JIT), then profile only the measured window.
    let window;
    if (name === 'ready') {
      // Spawn to ready line: the whole profile up to the ready line.
      window = { fromMs: 0, toMs: s.readyMs };
    } else if (name === 'slot-search') {
      const range = { start: searchDate, end: searchDate };
      await slotSearchLatency({ url: s.url, ...range, seconds: PLAN.warmup, repeats: 1 });
      const fromMs = performance.now() - spawned;
      await slotSearchLatency({ url: s.url, ...range, seconds: PROFILE_SECONDS, repeats: 1, warmup: 0 });
      window = { fromMs, toMs: performance.now() - spawned };
    } else {
      const run = { url: s.url, slots, connections: CONNECTIONS, reset: true };
      await bookingRepeat({ ...run, seconds: PLAN.warmup });
      const fromMs = performance.now() - spawned;
      await bookingRepeat({ ...run, seconds: PROFILE_SECONDS });
      window = { fromMs, toMs: performance.now() - spawned };
    }
    await s.stop();
    const file = readdirSync(sub).find((f) => f.endsWith('.cpuprofile'));
    const summary = summarizeCpuProfile(JSON.parse(readFileSync(join(sub, file), 'utf8')), 20, window);
    out[name] = { file: join(sub, file), ...summary };
    process.stdout.write(`\ncpu profile, ${name} (${join(sub, file)}):\n${formatSummary(summary)}\n`);
  }
  return out;
}
