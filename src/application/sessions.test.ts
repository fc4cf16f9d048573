import { describe, expect, it } from 'vitest';
import { FaultEngine } from '../faults/engine.js';
import { Sessions } from './sessions.js';
import { World } from './world.js';

/** Sessions on an injected real-time source (issue 15 §3): idle time never reads the sandbox clock. */
describe('Sessions', () => {
  const make = (ttlMs: number, max: number) => {
    let now = 1_000;
    const sessions = new Sessions(
      (id) => new World(id, new FaultEngine({ randomSeed: 1 }), 10),
      ttlMs,
      max,
      () => now,
    );
    return { sessions, pass: (ms: number) => (now += ms) };
  };

  it('keeps a session used within the TTL and drops it once idle longer, making room for a new one', () => {
    const { sessions, pass } = make(2_000, 1);
    const a = sessions.get('a');
    pass(1_500);
    expect(sessions.get('a')).toBe(a);
    expect(() => sessions.get('b')).toThrow(/Too many sandbox sessions.*wait 2 seconds/);
    pass(2_001);
    expect(sessions.get('b').id).toBe('b');
    expect(sessions.peek('a')).toBeUndefined();
    expect(sessions.size).toBe(1);
  });
});
