import { describe, expect, it } from 'vitest';
import { hasEmpty, withoutEmpty } from './without-empty.js';

describe('withoutEmpty', () => {
  it.each([
    ['an empty array', { a: 1, entry: [] }, { a: 1 }],
    ['an empty object', { a: 1, meta: {} }, { a: 1 }],
    ['an empty string', { a: 1, comment: '' }, { a: 1 }],
    ['a null', { a: 1, comment: null }, { a: 1 }],
    ['an object left empty by pruning', { a: 1, meta: { profile: [], tag: [{}] } }, { a: 1 }],
    ['empty entries inside an array', { a: [1, null, '', {}, [], 2] }, { a: [1, 2] }],
    ['nothing at all', { a: [], b: {} }, undefined],
    [
      'a primitive array lined up with its extensions',
      { given: ['A', null, 'C'], _given: [null, { id: 'x' }, null] },
      { given: ['A', null, 'C'], _given: [null, { id: 'x' }, null] },
    ],
    [
      'a pair empty on both sides',
      { given: ['A', '', 'C'], _given: [null, {}, { id: 'y' }] },
      { given: ['A', 'C'], _given: [null, { id: 'y' }] },
    ],
    ['extensions all empty', { given: ['A'], _given: [null] }, { given: ['A'] }],
  ])('removes %s', (_title, input, output) => {
    expect(withoutEmpty(input)).toEqual(output);
  });

  it('keeps false, 0 and non-empty values, and returns the same object when nothing is empty', () => {
    const resource = { active: false, total: 0, name: [{ given: ['A'] }] };
    expect(hasEmpty(resource)).toBe(false);
    expect(withoutEmpty(resource)).toBe(resource);
  });

  it('does not change what it is given', () => {
    const resource = { a: 1, entry: [] as unknown[] };
    withoutEmpty(resource);
    expect(resource).toEqual({ a: 1, entry: [] });
  });
});
