import { describe, expect, it } from 'vitest';
import { JOURNAL_BODY_LIMIT, truncateBody } from './journal.js';

describe('truncateBody', () => {
  it('keeps a body of JOURNAL_BODY_LIMIT characters whole, even when it has more UTF-16 units', () => {
    const body = '😀'.repeat(JOURNAL_BODY_LIMIT);
    expect(truncateBody(body)).toBe(body);
  });

  it('cuts a longer body at JOURNAL_BODY_LIMIT characters, never inside a surrogate pair, and counts characters', () => {
    const body = `a${'😀'.repeat(JOURNAL_BODY_LIMIT)}`;
    const kept = truncateBody(body)!;
    expect(kept).toBe(
      `a${'😀'.repeat(JOURNAL_BODY_LIMIT - 1)}… [truncated, ${JOURNAL_BODY_LIMIT + 1} characters in all]`,
    );
    expect(kept).not.toContain('\ufffd');
  });
});
