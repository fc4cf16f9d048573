/**
 * Latency of one slot search (a whole day, free slots, schedules included), one request at a time on
 * a keep-alive connection, so the figure is service time rather than queueing.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { buildEnvelope } from '../../dist/auth/build-headers.js';

function get(agent, url, headers) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** London's calendar date `offsetDays` from today, YYYY-MM-DD. */
export function londonDate(offsetDays) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(
    new Date(Date.now() + offsetDays * 86_400_000),
  );
}

/** `${date}T${time}:00+HH:MM` with London's offset on that date (what the sandbox accepts). */
export function londonDateTime(date, time) {
  const noon = new Date(`${date}T12:00:00Z`);
  const name = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', timeZoneName: 'longOffset' })
    .formatToParts(noon)
    .find((p) => p.type === 'timeZoneName').value;
  const offset = name === 'GMT' ? '+00:00' : name.slice(3);
  return `${date}T${time}:00${offset}`;
}

/**
 * { available: false, status, reason } when the sandbox has no GET /Slot yet (404, or 400 for a known
 * path without that method); else one sample array of latencies (ms) per repeat, and the result size.
 */
export async function slotSearchLatency({ url, start, end, seconds, repeats, warmup = 30, cpu }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const range = `start=ge${encodeURIComponent(start)}&end=le${encodeURIComponent(end)}`;
  const target = `${url}/Slot?${range}&status=free&_include=Slot:schedule`;
  try {
    const headers = buildEnvelope('search:slot-1', { aud: url });
    const first = await get(agent, target, headers);
    if (first.status === 404 || first.status === 400 || first.status === 405) {
      const text = first.body.toString('utf8');
      const diagnostics = /"diagnostics"\s*:\s*"([^"]*)"/.exec(text)?.[1] ?? text.slice(0, 200);
      return { available: false, status: first.status, reason: diagnostics };
    }
    if (first.status !== 200) {
      throw new Error(`GET /Slot answered ${first.status}: ${first.body.toString('utf8').slice(0, 300)}`);
    }
    const bundle = JSON.parse(first.body.toString('utf8'));
    for (let i = 0; i < warmup; i++) await get(agent, target, headers);
    const samples = [];
    const cpuBefore = cpu?.() ?? 0;
    for (let r = 0; r < repeats; r++) {
      const h = buildEnvelope('search:slot-1', { aud: url });
      const ms = [];
      const end = performance.now() + seconds * 1000;
      while (performance.now() < end) {
        const t = performance.now();
        const res = await get(agent, target, h);
        ms.push(performance.now() - t);
        if (res.status !== 200) throw new Error(`GET /Slot answered ${res.status} during the run`);
      }
      samples.push(ms);
    }
    const count = samples.reduce((n, s) => n + s.length, 0);
    const cpuMsPerRequest = cpu ? ((cpu() - cpuBefore) * 1000) / count : Number.NaN;
    return {
      available: true,
      target: decodeURIComponent(target.slice(url.length)),
      total: bundle.total,
      entries: bundle.entry?.length ?? 0,
      bytes: first.body.length,
      body: first.body,
      samples,
      cpuMsPerRequest,
    };
  } finally {
    agent.destroy();
  }
}

/**
 * The same search on the sandbox and on the bare Express baseline, which is handed the sandbox's
 * answer first and sends those bytes: repeats take turns (sandbox, baseline, sandbox, ...), so a
 * burst of load on the shared machine lands on both. Returns the sandbox's figures in
 * slotSearchLatency()'s shape, with `baseline: { samples, cpuMsPerRequest }` added.
 */
export async function pairedSlotSearch({ url, baselineUrl, start, end, seconds, repeats, cpu, baselineCpu }) {
  const first = await slotSearchLatency({ url, start, end, seconds: 0, repeats: 0, warmup: 0 });
  if (!first.available) return first;
  const put = await fetch(`${baselineUrl}/_bench/get-body`, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream' },
    body: first.body,
  });
  if (put.status !== 204) throw new Error(`the baseline refused the search body: ${put.status}`);
  const sandbox = { ...first, samples: [], cpuMs: 0 };
  const baseline = { samples: [], cpuMs: 0, bytes: 0 };
  for (let r = 0; r < repeats; r++) {
    const warmup = r === 0 ? 30 : 5;
    for (const [target, into, cpuOf] of [
      [url, sandbox, cpu],
      [baselineUrl, baseline, baselineCpu],
    ]) {
      const one = await slotSearchLatency({
        url: target,
        start,
        end,
        seconds,
        repeats: 1,
        warmup,
        cpu: cpuOf,
      });
      into.samples.push(one.samples[0]);
      into.cpuMs += one.cpuMsPerRequest * one.samples[0].length;
      into.bytes = one.bytes;
    }
  }
  if (baseline.bytes !== sandbox.bytes) {
    throw new Error(`the baseline sent ${baseline.bytes} bytes, the sandbox ${sandbox.bytes}`);
  }
  const count = (x) => x.samples.reduce((n, s) => n + s.length, 0);
  const { body: _body, cpuMs, ...figures } = sandbox;
  return {
    ...figures,
    cpuMsPerRequest: cpuMs / count(sandbox),
    baseline: { samples: baseline.samples, cpuMsPerRequest: baseline.cpuMs / count(baseline) },
  };
}
