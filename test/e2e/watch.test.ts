// README "Hot reload": `gpc-sandbox start --watch` re-arms the active scenario when its file changes;
// a broken file is reported and the rules armed before stay armed; admin-armed rules are untouched.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { buildEnvelope } from '../../src/auth/build-headers.js';
import { type RunningCli, startCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gpc-watch-'));
const file = join(dir, 'my-faults.json');
let cli: RunningCli | undefined;

afterEach(async () => {
  await cli?.stop();
  cli = undefined;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A scenario whose one rule answers GET /metadata with `status`. */
function scenario(name: string, status: number): string {
  return JSON.stringify({
    description: `metadata answers ${status}`,
    rules: [{ name, when: { method: 'GET', path: '/metadata' }, error: { status, code: 'BAD_REQUEST' } }],
  });
}

async function ruleNames(url: string): Promise<string[]> {
  const res = await fetch(`${url}/_admin/faults`);
  return ((await res.json()) as Array<{ name: string }>).map((f) => f.name);
}

async function metadataStatus(url: string): Promise<number> {
  const res = await fetch(`${url}/metadata`, { headers: buildEnvelope('read:metadata-1') });
  await res.text();
  return res.status;
}

/** Poll until `check` holds (the watcher debounces, then reads the file). */
async function until<T>(what: string, read: () => Promise<T> | T, check: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('gpc-sandbox start --watch', () => {
  it('re-arms the edited scenario file, keeps the previous rules when the file is broken, and leaves admin rules alone', async () => {
    writeFileSync(file, scenario('first', 418));
    cli = await startCli(['--scenario', file, '--watch']);
    const { url } = cli;
    expect(await metadataStatus(url)).toBe(418);
    const armed = await fetch(`${url}/_admin/faults`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'by-admin', when: { path: '/Patient/*' }, drop: 'empty' }),
    });
    expect(armed.status).toBe(201);

    // 1. An edit in place: the new rule replaces the scenario's old one, the admin rule stays.
    writeFileSync(file, scenario('second', 503));
    await until(
      'the second rule',
      () => ruleNames(url),
      (n) => n.includes('second'),
    );
    expect(await ruleNames(url)).toEqual(['by-admin', 'second']);
    expect(await metadataStatus(url)).toBe(503);
    await until('the reload log line', cli.stderr, (e) =>
      /re-armed from .*my-faults\.json \(1 rule\)/.test(e),
    );

    // 2. Not JSON: reported naming the file and the problem; the second rule stays armed.
    writeFileSync(file, '{"description": "half written", "rules": [');
    const broken = await until('the broken-file report', cli.stderr, (e) => /not valid JSON/.test(e));
    expect(broken).toMatch(
      /warn .*my-faults\.json: not valid JSON .*previous rules of "my-faults" stay armed/,
    );
    expect(await ruleNames(url)).toEqual(['by-admin', 'second']);
    expect(await metadataStatus(url)).toBe(503);

    // 3. Valid JSON but a bad rule: reported naming the rule and the field.
    writeFileSync(
      file,
      JSON.stringify({ description: 'bad delay', rules: [{ name: 'bad', delay: { fixed: -5 } }] }),
    );
    const invalid = await until('the invalid-rule report', cli.stderr, (e) => /"bad"/.test(e));
    expect(invalid).toMatch(/my-faults\.json.*rules\[0\] "bad".*delay/);
    expect(await ruleNames(url)).toEqual(['by-admin', 'second']);

    // 4. Saved the way editors save: a temporary file renamed over the old one.
    const temp = join(dir, '.my-faults.json.tmp');
    writeFileSync(temp, scenario('third', 429));
    renameSync(temp, file);
    await until(
      'the third rule',
      () => ruleNames(url),
      (n) => n.includes('third'),
    );
    expect(await ruleNames(url)).toEqual(['by-admin', 'third']);
    expect(await metadataStatus(url)).toBe(429);
  });

  it('does not watch without --watch', async () => {
    writeFileSync(file, scenario('first', 418));
    cli = await startCli(['--scenario', file]);
    writeFileSync(file, scenario('second', 503));
    // The same wait the reload above needs, then the old rule is still the one armed.
    await new Promise((r) => setTimeout(r, 600));
    expect(await ruleNames(cli.url)).toEqual(['first']);
    expect(await metadataStatus(cli.url)).toBe(418);
  });
});
