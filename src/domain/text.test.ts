import fc from 'fast-check';
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
    // A lone surrogate counts as one character.
    ['\udc00abc', 2, '\udc00a…'],
    ['abc😀', 3, 'abc…'],
    ['ab😀d', 3, 'ab😀…'],
    ['abc\ud800', 3, 'abc…'],
  ])('shortens %j to %i characters as %j', (text, max, out) => {
    expect(truncateChars(text, max)).toBe(out);
  });

  it('is the first max code points, then the ellipsis when there were more (any mix of text)', () => {
    const piece = fc.constantFrom('a', 'é', '😀', '\ud800', '\udc00', '"');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), fc.nat(45), (pieces, max) => {
        const text = pieces.join('');
        const points = Array.from(text);
        const expected = points.length > max ? `${points.slice(0, max).join('')}…` : text;
        expect(truncateChars(text, max)).toBe(expected);
      }),
    );
    const long = 'x'.repeat(70_000);
    expect(truncateChars(long, 65_536, '')).toBe('x'.repeat(65_536));
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
