// README "Use it from a FHIR client": each example in docs/examples/ runs the whole consumer flow
// (metadata, patient by NHS number, free slots, book, read, cancel) against a real sandbox, at the
// root and under a real provider's base path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../../src/index.js';

type Example = { bookAndCancel(baseUrl: string): Promise<Record<string, string>> };

const EXAMPLES = ['fhir-kit-client', 'fhirclient', 'medplum'] as const;
const load = (name: string): Promise<Example> => import(`../../docs/examples/${name}.mjs`);

describe.each([
  ['at the root', undefined],
  ['under a base path', '/A20047/STU3/1/gpconnect'],
])('FHIR client examples %s', (_where, basePath) => {
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, ...(basePath ? { basePath } : {}) });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it.each(EXAMPLES)('%s books, reads and cancels', async (name) => {
    const result = await (await load(name)).bookAndCancel(sandbox.fhirBase);
    expect(result).toMatchObject({ fhirVersion: '3.0.1', patient: '1', status: 'cancelled' });
    const appointment = sandbox.state().appointments.find((a) => a.id === result.appointment);
    expect(appointment).toMatchObject({ status: 'cancelled', slot: [{ reference: `Slot/${result.slot}` }] });
    // Every call met the strict envelope check: nothing refused, nothing warned about.
    expect(
      sandbox.requests().filter((r) => r.status === 'pending' || r.status >= 400 || r.problems?.length),
    ).toEqual([]);
  });
});

describe("fhirclient's getFhirVersion() (no way to add headers)", () => {
  it.each([
    ['strict', false],
    ['lenient', true],
  ] as const)('--auth %s: works %s', async (auth, works) => {
    const sandbox = await startSandbox({ port: 0, auth });
    try {
      // fhirclient is CommonJS; its typings do not describe FhirClient on the ES default import.
      const smart = (await import('fhirclient')).default as unknown as {
        FhirClient: new (baseUrl: string) => { getFhirVersion(): Promise<string> };
      };
      const version = new smart.FhirClient(sandbox.fhirBase).getFhirVersion();
      if (works) expect(await version).toBe('3.0.1');
      else await expect(version).rejects.toThrow(/400/);
    } finally {
      await sandbox.close();
    }
  });
});
