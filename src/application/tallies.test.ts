import { describe, expect, it } from 'vitest';
import { Journal, JournalBudget, type JournalRecord, recordBytes } from './journal.js';
import { MAX_LABEL_SETS, Tallies } from './tallies.js';

function record(body: string, headers: Record<string, string> = {}): JournalRecord {
  return {
    timeMs: 0,
    method: 'POST',
    path: '/Appointment',
    status: 201,
    ms: 1,
    problems: [],
    request: { headers, body },
    response: { headers: {} },
  };
}

describe('Tallies', () => {
  it('counts requests by interaction and status, dropped ones as "dropped", unknown interactions as "unknown"', () => {
    const t = new Tallies();
    t.request('rest:create:appointment-1', 201, undefined);
    t.request('rest:create:appointment-1', 201, undefined);
    t.request(undefined, 404, undefined);
    t.request('rest:read:metadata-1', 0, 'hang-up');
    expect(t.requests).toEqual([
      { interaction: 'rest:create:appointment-1', status: '201', count: 2 },
      { interaction: 'unknown', status: '404', count: 1 },
      { interaction: 'rest:read:metadata-1', status: 'dropped', count: 1 },
    ]);
    expect([...t.faults]).toEqual([['hang-up', 1]]);
  });

  it('keeps the number of label sets bounded: past the limit, new ones count as "other"', () => {
    const t = new Tallies();
    for (let i = 0; i < MAX_LABEL_SETS + 10; i++) t.request(`interaction-${i}`, 200, `rule-${i}`);
    t.request('interaction-0', 200, 'rule-0');
    expect(t.requests).toHaveLength(MAX_LABEL_SETS + 1);
    expect(t.requests.find((r) => r.interaction === 'other')).toEqual({
      interaction: 'other',
      status: 'other',
      count: 10,
    });
    expect(t.requests.find((r) => r.interaction === 'interaction-0')?.count).toBe(2);
    expect(t.faults.size).toBe(MAX_LABEL_SETS + 1);
    expect(t.faults.get('other')).toBe(10);
    expect(t.faults.get('rule-0')).toBe(2);
    const total = t.requests.reduce((sum, r) => sum + r.count, 0);
    expect(total).toBe(MAX_LABEL_SETS + 11);
  });
});

describe('Journal.bytes', () => {
  it('is what the kept entries count against the journal budget, as old ones are overwritten and on clear', () => {
    const budget = new JournalBudget(Number.POSITIVE_INFINITY);
    const journal = new Journal(2, budget);
    expect(journal.bytes).toBe(0);
    const a = record('a'.repeat(1000));
    journal.add(a);
    expect(journal.bytes).toBe(recordBytes(a));
    expect(journal.bytes).toBeGreaterThan(1000);
    const b = record('é'.repeat(1000), { 'content-type': 'application/fhir+json' });
    journal.add(b);
    // Bodies count as V8 holds them (two bytes a UTF-16 unit); the header's name and value count too.
    expect(recordBytes(b) - recordBytes(a)).toBe(
      1000 * 2 - 1000 * 2 + 'content-type'.length + 32 + 'application/fhir+json'.length,
    );
    expect(journal.bytes).toBe(recordBytes(a) + recordBytes(b));
    const c = record('b'.repeat(10));
    journal.add(c);
    expect(journal.bytes).toBe(recordBytes(b) + recordBytes(c));
    expect(budget.usedBytes).toBe(journal.bytes);
    journal.clear();
    expect(journal.bytes).toBe(0);
    expect(budget.usedBytes).toBe(0);
  });
});
