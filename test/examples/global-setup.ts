// README "Use it in your tests": one sandbox for the whole test run (vitest globalSetup).
import { startSandbox } from 'gpconnect-sandbox';
import type { TestProject } from 'vitest/node';

export default async function setup(project: TestProject) {
  const sandbox = await startSandbox({ port: 0 });
  project.provide('sandboxUrl', sandbox.fhirBase);
  return () => sandbox.close();
}

declare module 'vitest' {
  export interface ProvidedContext {
    sandboxUrl: string;
  }
}
