import { expect } from 'vitest';

export const FHIR_JSON = 'application/fhir+json;charset=utf-8';
const SPINE = 'https://fhir.nhs.uk/STU3/CodeSystem/Spine-ErrorOrWarningCode-1';

// biome-ignore lint/suspicious/noExplicitAny: tests read response bodies loosely
export type Loose = any;

/** A response's FHIR JSON body. */
export function fhirBody(res: { text: string }): Loose {
  return JSON.parse(res.text);
}

/**
 * Asserts a GPConnect-OperationOutcome-1 with the status and the one Spine code, and returns
 * its diagnostics for the caller to check what it names.
 */
export function expectOutcome(
  res: { status: number; text: string; headers: Record<string, string> },
  status: number,
  code: string,
): string {
  expect({ status: res.status, text: res.text.slice(0, 400) }).toMatchObject({ status });
  expect(res.headers['content-type']).toBe(FHIR_JSON);
  expect(res.headers['cache-control']).toBe('no-store');
  const body = fhirBody(res);
  expect(body.resourceType).toBe('OperationOutcome');
  expect(body.issue).toHaveLength(1);
  const issue = body.issue[0];
  expect(issue.severity).toBe('error');
  expect(issue.details.coding).toHaveLength(1);
  expect(issue.details.coding[0].system).toBe(SPINE);
  expect(issue.details.coding[0].code).toBe(code);
  expect(typeof issue.diagnostics).toBe('string');
  return issue.diagnostics as string;
}

/** The resources of a searchset Bundle, by resourceType. */
export function entries(res: { text: string }, resourceType?: string): Loose[] {
  const body = fhirBody(res);
  expect(body.resourceType).toBe('Bundle');
  expect(body.type).toBe('searchset');
  const resources = ((body.entry ?? []) as Array<{ resource: Loose; fullUrl?: string }>).map((e) => {
    expect(e.fullUrl).toBeUndefined();
    return e.resource;
  });
  return resourceType ? resources.filter((r) => r.resourceType === resourceType) : resources;
}
