/**
 * Where a V8 CPU profile (node --cpu-prof) spends its time: self time by module and by function.
 *   node bench/lib/cpu-profile-summary.mjs FILE.cpuprofile [top]
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** A short module name: the npm package, the file under dist/, a node: builtin, or a V8 pseudo-frame. */
export function moduleOf(url, functionName) {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1];
  const dist = /\/dist\/(.+)$/.exec(url);
  if (dist) return `dist/${dist[1]}`;
  const bench = /\/bench\/(.+)$/.exec(url);
  if (bench) return `bench/${bench[1]}`;
  if (url.startsWith('node:')) return url.replace(/^node:internal\/(deps\/)?/, 'node:');
  return url.replace(/^file:\/\//, '');
}

/**
 * Self time by module and function. `fromMs`/`toMs` (from the profile's start, which is within a few
 * milliseconds of the process's) keep start-up, warm-up and shutdown out of the figures.
 */
export function summarizeCpuProfile(profile, top = 15, { fromMs = 0, toMs = Number.POSITIVE_INFINITY } = {}) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parents = new Map();
  for (const n of profile.nodes) for (const child of n.children ?? []) parents.set(child, n.id);
  const selfUs = new Map();
  const { samples, timeDeltas } = profile;
  let at = 0;
  for (let i = 0; i < samples.length; i++) {
    at += timeDeltas[i] ?? 0;
    if (at < fromMs * 1000 || at > toMs * 1000) continue;
    // timeDeltas[i] is the time before sample i; it is charged to the sample that follows it.
    const us = timeDeltas[i + 1] ?? 0;
    selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + us);
  }
  const byModule = new Map();
  const byFunction = new Map();
  // Inclusive time of the sandbox's own functions (dist/): what a change there could save at most.
  const ownInclusive = new Map();
  const nameOf = (callFrame) =>
    `${callFrame.functionName || '(anonymous)'} ${moduleOf(callFrame.url, callFrame.functionName)}:${callFrame.lineNumber + 1}`;
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const { callFrame } = nodes.get(id);
    const mod = moduleOf(callFrame.url, callFrame.functionName);
    if (mod === '(idle)') {
      idle += us;
      continue;
    }
    total += us;
    byModule.set(mod, (byModule.get(mod) ?? 0) + us);
    byFunction.set(nameOf(callFrame), (byFunction.get(nameOf(callFrame)) ?? 0) + us);
    const seen = new Set();
    for (let up = id; up !== undefined; up = parents.get(up)) {
      const frame = nodes.get(up).callFrame;
      if (!frame.url.includes('/dist/')) continue;
      const name = nameOf(frame);
      if (seen.has(name)) continue;
      seen.add(name);
      ownInclusive.set(name, (ownInclusive.get(name) ?? 0) + us);
    }
  }
  const rank = (map) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({
        name,
        ms: Math.round(us / 1000),
        percent: Math.round((1000 * us) / total) / 10,
      }));
  return {
    busyMs: Math.round(total / 1000),
    idleMs: Math.round(idle / 1000),
    modules: rank(byModule),
    functions: rank(byFunction),
    ownInclusive: rank(ownInclusive),
  };
}

export function formatSummary(summary) {
  const lines = [`busy ${summary.busyMs} ms, idle ${summary.idleMs} ms; self time, % of busy:`];
  lines.push('  by module:');
  for (const m of summary.modules) lines.push(`    ${String(m.percent).padStart(5)} %  ${m.name}`);
  lines.push('  by function:');
  for (const f of summary.functions) lines.push(`    ${String(f.percent).padStart(5)} %  ${f.name}`);
  lines.push("  the sandbox's own functions, inclusive (callees counted):");
  for (const f of summary.ownInclusive) lines.push(`    ${String(f.percent).padStart(5)} %  ${f.name}`);
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node bench/lib/cpu-profile-summary.mjs FILE.cpuprofile [top]\n');
    process.exit(2);
  }
  const summary = summarizeCpuProfile(JSON.parse(readFileSync(file, 'utf8')), Number(process.argv[3] ?? 20));
  process.stdout.write(`${formatSummary(summary)}\n`);
}
