import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { addAppointment } from '../../src/application/fixtures.js';
import { type RunningSandbox, startSandbox } from '../../src/index.js';
import { coreOf } from '../../src/testing.js';
import { hasRedis, startRedis, type TestRedis } from '../helpers/redis-server.js';

/**
 * Issue 15, commands through one place, on the shared store: a command that throws after changing
 * a replica's copy of a world, or whose commit Redis refuses, leaves the copy as Redis has it
 * (Application.execute takes the change back), so the next request on that replica does not see it.
 */
describe.skipIf(!hasRedis)('a command on a shared store', () => {
  let redis: TestRedis;
  const running: RunningSandbox[] = [];
  let prefixCount = 0;

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const sandbox of running) await sandbox.close();
    await redis?.stop();
  });

  async function replica(): Promise<RunningSandbox> {
    const sandbox = await startSandbox({
      db: redis.url,
      redisPrefix: `rollback${++prefixCount}`,
      clock: '2026-06-01T08:00:00+01:00',
    });
    running.push(sandbox);
    return sandbox;
  }

  async function appointmentIds(sandbox: RunningSandbox): Promise<string[]> {
    const res = await fetch(`${sandbox.url}/_admin/state`);
    const body = (await res.json()) as { appointments: Array<{ id: string }> };
    return body.appointments.map((a) => a.id);
  }

  it.each([
    ['throws after changing the copy', false],
    ['cannot be committed', true],
  ])('that %s leaves the copy as Redis has it', async (_title, failCommit) => {
    const sandbox = await replica();
    const core = coreOf(sandbox);
    const world = await core.openWorld(undefined);
    if (failCommit) vi.spyOn(core.worlds, 'commit').mockRejectedValueOnce(new Error('redis refused'));
    const attempt = core.execute(world, undefined, () => {
      addAppointment(core, world, { patientId: '1', slotIds: ['s1-202606020900'] });
      if (!failCommit) throw new Error('refused after the change');
    });
    await expect(attempt).rejects.toThrow(failCommit ? 'redis refused' : 'refused after the change');
    expect(world.state.appointments.size).toBe(0);
    expect(world.state.isFree('s1-202606020900')).toBe(true);
    expect(await appointmentIds(sandbox)).toEqual([]);
    const added = await fetch(`${sandbox.url}/_admin/appointments`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ patientId: '1', slotIds: ['s1-202606020900'] }),
    });
    expect(added.status).toBe(201);
    expect(((await added.json()) as { id: string }).id).toBe('1');
  });
});
