// docs/admin.md's example bodies work pasted in document order on a sandbox started as the page
// says (--clock 2026-06-01T08:00:00+01:00): each changing call in the table that shows a JSON body,
// then each fenced JSON example, sent to the call its section names.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../../src/index.js';

const text = readFileSync(join(import.meta.dirname, '../../docs/admin.md'), 'utf8');

interface Example {
  where: string;
  method: string;
  path: string;
  body: unknown;
}

function parseJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/** The page's examples in the order a reader meets them. */
function examples(): Example[] {
  const found: Example[] = [];
  const lines = text.split('\n');
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const bold = /^\*\*([A-Z][a-z]+)\*\*/.exec(line);
    if (bold) section = bold[1]!.toLowerCase();
    if (line.startsWith('| `')) {
      const [call = '', body = ''] = line.split(' | ');
      const target = [...call.matchAll(/`(POST|PUT|PATCH) (\/_admin\/[^`\s[]*)`/g)][0];
      const json = [...body.matchAll(/`(\{[^`]*\})`/g)]
        .map((m) => parseJson(m[1]!))
        .find((v) => v !== undefined);
      if (target && json !== undefined)
        found.push({ where: `table row ${call}`, method: target[1]!, path: target[2]!, body: json });
    }
    if (line === '```json') {
      const end = lines.indexOf('```', i + 1);
      const block = lines.slice(i + 1, end).join('\n');
      found.push({
        where: `the ${section} example (line ${i + 2})`,
        method: 'POST',
        path: `/_admin/${section}`,
        body: JSON.parse(block),
      });
      i = end;
    }
  }
  return found;
}

let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, clock: '2026-06-01T08:00:00+01:00' });
});
afterAll(async () => {
  await sandbox?.close();
});

describe('docs/admin.md examples, pasted in order', () => {
  const all = examples();

  it('finds the slot, patient and appointment examples', () => {
    expect(all.map((e) => `${e.method} ${e.path}`)).toEqual(
      expect.arrayContaining(['POST /_admin/slots', 'POST /_admin/patients', 'POST /_admin/appointments']),
    );
  });

  it('each one is accepted, in document order', async () => {
    const results: string[] = [];
    for (const e of all) {
      const res = await fetch(`${sandbox.url}${e.path}`, {
        method: e.method,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(e.body),
      });
      results.push(
        `${e.where}: ${e.method} ${e.path} → ${res.status} ${res.ok ? '' : await res.text()}`.trim(),
      );
    }
    expect(results.filter((r) => !/→ 2\d\d$/.test(r))).toEqual([]);
  });
});
