import { describe, expect, it } from 'vitest';
import { charCount, truncateChars } from './text.js';

describe('charCount', () => {
  it.each([
    ['', 0],
    ['abc', 3],
    ['😀', 1],
    [`${'a'.repeat(99)}😀`, 100],
    ['é', 1], // precomposed U+00E9
    ['👍🏽', 2], // thumbs up + skin tone modifier: two code points
    ['\ud83d', 1], // a lone high surrogate
    ['\ude00x', 2], // a lone low surrogate then x
  ])('counts %j as %i characters', (text, n) => {
    expect(charCount(text)).toBe(n);
  });
});

describe('truncateChars', () => {
  it.each([
    ['short', 10, 'short'],
    ['abcdef', 3, 'abc…'],
    ['ab😀cd', 3, 'ab😀…'],
    ['ab😀', 3, 'ab😀'],
    ['😀😀😀😀', 2, '😀😀…'],
  ])('shortens %j to %i characters as %j', (text, max, out) => {
    expect(truncateChars(text, max)).toBe(out);
  });

  it('never leaves a lone surrogate', () => {
    const text = '😀'.repeat(50);
    for (let max = 0; max < 60; max++) {
      expect(truncateChars(text, max)).not.toMatch(
        /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/,
      );
    }
  });
});
