import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { emptyDocument, FileStore } from './file-store.js';
import type { StoreDocument } from './store.js';
import { StoreError } from './store.js';

const dir = mkdtempSync(join(tmpdir(), 'gpc-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function docWith(n: number): StoreDocument {
  const doc = emptyDocument('seed-a');
  doc.state.nextAppointmentId = n + 1;
  return doc;
}

describe('FileStore', () => {
  it('round-trips a document through the file', async () => {
    const path = join(dir, 'round-trip.json');
    const store = new FileStore(path, 'seed-a', false);
    expect(store.load()).toBeUndefined();
    await store.save(() => ({ document: () => docWith(41) }));
    await store.close();
    const again = new FileStore(path, 'seed-a', false);
    expect(again.load()).toEqual(docWith(41));
  });

  it('writes atomically: the file is always whole JSON and no temp file is left', async () => {
    const path = join(dir, 'atomic.json');
    const store = new FileStore(path, 'seed-a', true);
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.save(() => ({ document: () => docWith(i) }))),
    );
    await store.close();
    expect(() => JSON.parse(readFileSync(path, 'utf8'))).not.toThrow();
    expect(readdirSync(dir).filter((f) => f.startsWith('atomic.json.'))).toEqual([]);
  });

  it('groups saves that arrive during a write into the next one, which holds the latest state', async () => {
    const path = join(dir, 'group.json');
    const store = new FileStore(path, 'seed-a', false);
    let snapshots = 0;
    let latest = 0;
    const saves = Array.from({ length: 100 }, (_, i) =>
      store
        .save(() => {
          snapshots++;
          return { document: () => docWith(latest) };
        })
        .then(() => {
          // When a save resolves, the file holds at least the state of its time.
          const onDisk = JSON.parse(readFileSync(path, 'utf8')) as StoreDocument;
          expect(onDisk.state.nextAppointmentId).toBeGreaterThanOrEqual(i + 1);
        }),
    );
    for (let i = 0; i < 100; i++) latest = i;
    await Promise.all(saves);
    await store.close();
    expect(snapshots).toBeLessThanOrEqual(2);
  });

  it('appends changes to FILE.log instead of rewriting FILE, and replays them at start', async () => {
    const path = join(dir, 'log.json');
    const store = new FileStore(path, 'seed-a', false);
    store.load();
    await store.save(() => ({ document: () => docWith(0) })); // the first write is whole
    const before = readFileSync(path, 'utf8');
    const record = (id: string) => ({
      id,
      versionId: '1',
      lastModifiedMs: 0,
      patientId: '1',
      slotIds: [`s1-20260602090${id}`],
      startMs: 1,
      endMs: 2,
      status: 'booked' as const,
      origin: 'gpconnect' as const,
      resource: { resourceType: 'Appointment' },
    });
    for (const id of ['1', '2']) {
      await store.save(() => ({
        delta: { appointments: [record(id)], nextAppointmentId: Number(id) + 1, clock: { offsetMs: 0 } },
        document: () => docWith(0),
      }));
    }
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(readFileSync(`${path}.log`, 'utf8').trim().split('\n')).toHaveLength(2);
    // A kill -9 here: no close. A torn last line (no newline) was never acknowledged.
    writeFileSync(`${path}.log`, `${readFileSync(`${path}.log`, 'utf8')}{"appointments":[`);
    rmSync(`${path}.lock`);
    const again = new FileStore(path, 'seed-a', false);
    const loaded = again.load()!;
    expect(loaded.state.appointments.map((a) => a.id)).toEqual(['1', '2']);
    expect(loaded.state.nextAppointmentId).toBe(3);
    // Closing folds the log into one self-contained file.
    await again.save(() => ({ document: () => ({ ...loaded }) }));
    await again.close();
    expect(existsSync(`${path}.log`)).toBe(false);
    expect((JSON.parse(readFileSync(path, 'utf8')) as StoreDocument).state.appointments).toHaveLength(2);
  });

  it.each([
    ['not JSON', '{"schemaVersion": 1,', /not valid JSON/],
    ['another kind of file', '{"hello": "world"}', /not a gpconnect-sandbox db file/],
    [
      'another schema version',
      JSON.stringify({ ...emptyDocument('seed-a'), schemaVersion: 99 }),
      /schema version 99/,
    ],
    ['another seed', JSON.stringify(emptyDocument('seed-b')), /another seed/],
  ])('refuses %s and leaves the file untouched', (_title, content, message) => {
    const path = join(dir, `refused-${_title.replaceAll(' ', '-')}.json`);
    writeFileSync(path, content);
    const store = new FileStore(path, 'seed-a', false);
    expect(() => store.load()).toThrow(StoreError);
    expect(() => store.load()).toThrow(message);
    expect(readFileSync(path, 'utf8')).toBe(content);
    expect(existsSync(path)).toBe(true);
  });
});
