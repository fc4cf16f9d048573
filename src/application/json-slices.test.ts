import { describe, expect, it } from 'vitest';
import { InputError } from './input-error.js';
import { ParseAbandoned, parseJsonInSlices } from './json-slices.js';

/** The sliced parser must give exactly what JSON.parse gives, for any text. */

const big = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: `fx${i}`,
    s: `a "quoted" \\ string with [brackets] and {braces}, \u00e9 \ud83d\ude00 ${i}`,
    n: i * 1.5e-3,
    b: i % 2 === 0,
    z: null,
    nested: { list: [1, -2, 3e10, 'x'], empty: {}, none: [] },
  }));

describe('parseJsonInSlices', () => {
  it.each([
    ['a small object', JSON.stringify({ a: 1 })],
    [
      'a large document',
      JSON.stringify({ schemaVersion: 1, state: { appointments: big(3000), fixturePatients: big(2000) } }),
    ],
    ['a large top-level array, pretty-printed', JSON.stringify(big(3000), null, 2)],
    ['a large string value', JSON.stringify({ s: 'x'.repeat(200_000), t: ['y'.repeat(100_000)] })],
    [
      'escapes and unicode',
      `{"k\\u0041y":"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9","pad":${JSON.stringify(big(1500))}}`,
    ],
    ['duplicate keys (the last wins)', `{"a":1,"pad":${JSON.stringify(big(1500))},"a":2}`],
  ])('equals JSON.parse for %s', async (_title, text) => {
    expect(await parseJsonInSlices(text)).toEqual(JSON.parse(text));
  });

  it('keeps "__proto__" an own property, as JSON.parse does, and never sets the prototype', async () => {
    const text = `{"__proto__":{"polluted":true},"pad":${JSON.stringify(big(1500))}}`;
    const parsed = (await parseJsonInSlices(text)) as Record<string, unknown>;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.hasOwn(parsed, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it.each([
    ['truncated', JSON.stringify(big(1500)).slice(0, -5)],
    ['a trailing comma', `${JSON.stringify(big(1500)).slice(0, -1)},]`],
    ['text after the value', `${JSON.stringify(big(1500))} x`],
    ['a bad literal', `[${JSON.stringify(big(1500)).slice(1, -1)},tru]`],
  ])("refuses %s with JSON.parse's own error", async (_title, text) => {
    let expected: unknown;
    try {
      JSON.parse(text);
    } catch (error) {
      expected = error;
    }
    await expect(parseJsonInSlices(text)).rejects.toThrow((expected as Error).message);
  });

  it.each([
    ['arrays 100,000 deep', '['.repeat(100_000) + ']'.repeat(100_000), '[0]'.repeat(65)],
    [
      'a deep member of a large document',
      `{"pad":${JSON.stringify(big(1500))},"x":${'[{"k":'.repeat(40_000)}1${'}]'.repeat(40_000)}}`,
      `x${'[0].k'.repeat(32)}`,
    ],
    ['a small deep text', '{"a":'.repeat(70) + '1' + '}'.repeat(70), 'a'.repeat(65).split('').join('.')],
  ])('refuses %s with the depth problem and its path, before parsing', async (_title, text, path) => {
    const error = await parseJsonInSlices(text, { maxDepth: 64 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ message: 'nested more than 64 levels deep', field: path });
  });

  it('accepts nesting at the limit and equals JSON.parse', async () => {
    const text = `{"pad":${JSON.stringify(big(1500))},"x":${'['.repeat(64)}${']'.repeat(64)}}`;
    expect(await parseJsonInSlices(text, { maxDepth: 64 })).toEqual(JSON.parse(text));
  });

  it('stops with ParseAbandoned when the caller says the work is no longer wanted', async () => {
    const text = JSON.stringify({ state: { appointments: big(20_000) } });
    await expect(parseJsonInSlices(text, { abandoned: () => true })).rejects.toBeInstanceOf(ParseAbandoned);
  });
});

describe('parseJsonInSlices value limits', () => {
  it('refuses more values than maxValues before building any, naming the body', async () => {
    const text = `{"a":[${Array(5000).fill('[]').join(',')}]}`;
    const error = await parseJsonInSlices(text, { maxValues: 1000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({
      field: 'body',
      message: expect.stringMatching(/more than 1000 JSON values/),
    });
    expect(await parseJsonInSlices(text, { maxValues: 20_000 })).toEqual(JSON.parse(text));
  });

  it('refuses an object of more members than maxObjectMembers, naming its path', async () => {
    const members = Array.from({ length: 300 }, (_, i) => `"k${i}":0`).join(',');
    const text = `{"state":{"list":[{"ok":1},{${members}}]}}`;
    const error = await parseJsonInSlices(text, { maxObjectMembers: 100 }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      field: 'state.list[1]',
      message: expect.stringMatching(/more than 100 members/),
    });
    expect(await parseJsonInSlices(text, { maxObjectMembers: 1000 })).toEqual(JSON.parse(text));
  });
});
