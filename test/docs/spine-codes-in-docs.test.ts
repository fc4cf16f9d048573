// The docs name Spine codes as the sandbox serves them. The Spine CodeSystem spells one code with a
// space ("ACCESS DENIED") where the 1.2.7 error table has an underscore; the sandbox answers with the
// space, so a consumer who matches on the docs' spelling must see the same string in responses.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gpcBooking, seedExample } from '../helpers/bodies.js';
import { envelope, testSandbox } from '../helpers/sandbox.js';

const ROOT = join(import.meta.dirname, '../..');
const PROFILES = ['careconnect', 'gpconnect-1.2.7'] as const;

/** Every file a user reads: Markdown docs, scenario descriptions and the admin page. */
function documentation(): string[] {
  const md = (dir: string) =>
    readdirSync(join(ROOT, dir))
      .filter((f) => f.endsWith('.md'))
      .map((f) => join(ROOT, dir, f));
  const all = (dir: string) => readdirSync(join(ROOT, dir)).map((f) => join(ROOT, dir, f));
  return [
    ...md('.'),
    ...md('docs'),
    ...md('seed'),
    ...md('bench'),
    ...all('scenarios'),
    ...all('public'),
  ].filter((f) => !f.endsWith('.png') && !f.endsWith('.svg'));
}

/** Book tomorrow's s1 09:00 slot (sandbox clock 2026-06-01) for a patient; the Spine code and status. */
async function bookFor(profile: (typeof PROFILES)[number], patientId: string) {
  const sb = testSandbox({ profile });
  try {
    const slot = {
      id: 's1-202606020900',
      start: '2026-06-02T09:00:00+01:00',
      end: '2026-06-02T09:10:00+01:00',
    };
    const body =
      profile === 'careconnect' ? seedExample(slot.id, patientId) : gpcBooking({ slots: [slot], patientId });
    const res = await sb.http
      .post('/Appointment')
      .set(envelope('create:appointment-1'))
      .set('Content-Type', 'application/fhir+json')
      .send(JSON.stringify(body));
    const json = JSON.parse(res.text) as { issue?: Array<{ details: { coding: Array<{ code: string }> } }> };
    return { status: res.status, code: json.issue?.[0]?.details.coding[0]?.code };
  } finally {
    await sb.close();
  }
}

/** seed/README.md's magic-patient rows that name a Spine code: id, code, and the status text. */
function magicRows(): Array<{ id: string; code: string; outcome: string }> {
  const text = readFileSync(join(ROOT, 'seed/README.md'), 'utf8');
  const rows: Array<{ id: string; code: string; outcome: string }> = [];
  for (const line of text.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 7 || !/^`[a-z]+`$/.test(cells[1]!)) continue;
    const code = /`([A-Z][A-Z_ ]+[A-Z])`/.exec(cells[5]!)?.[1];
    if (code) rows.push({ id: cells[1]!.slice(1, -1), code, outcome: cells[5]! });
  }
  return rows;
}

describe('seed/README.md magic patients answer as the table says', () => {
  const rows = magicRows();
  it('finds the rows that name a code', () => {
    expect(rows.map((r) => r.id)).toEqual(['dupe', 'crash', 'denied']);
  });
  for (const profile of PROFILES) {
    it.each(rows)(`${profile}: Patient/$id gets $outcome`, async ({ id, code, outcome }) => {
      const got = await bookFor(profile, id);
      expect(got.code).toBe(code);
      const perProfile = /(\d{3}) in gpconnect-1\.2\.7/.exec(outcome)?.[1];
      const status = profile === 'gpconnect-1.2.7' && perProfile ? perProfile : /\d{3}/.exec(outcome)?.[0];
      expect(String(got.status)).toBe(status);
    });
  }
});

describe('every spelling of the access-denied code in the docs is the one responses carry', () => {
  it.each(PROFILES)('%s', async (profile) => {
    const served = (await bookFor(profile, 'denied')).code!;
    expect(served).toMatch(/^ACCESS.DENIED$/);
    const wrong: string[] = [];
    for (const file of documentation()) {
      for (const m of readFileSync(file, 'utf8').matchAll(/ACCESS[\s_-]+DENIED/g)) {
        if (m[0] !== served) wrong.push(`${relative(ROOT, file)}: "${m[0]}"`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
