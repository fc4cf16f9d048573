import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { hasRedis, startRedis } from './redis-server.js';

describe.skipIf(!hasRedis)('the test redis-server', () => {
  it('starts on a free port with no persistence and stops', async () => {
    const redis = await startRedis();
    const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    await client.connect();
    expect(await client.ping()).toBe('PONG');
    expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
    client.disconnect();
    await redis.stop();
    expect(redis.child.exitCode !== null || redis.child.signalCode !== null).toBe(true);
  });
});
