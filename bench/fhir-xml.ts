/**
 * FHIR XML costs: module import, the first toFhirXml / fromFhirXml (the lazy load of the STU3
 * element table and of saxes), and per-call time for a 50-entry searchset Bundle.
 *   npx tsx bench/fhir-xml.ts        (or node on the built dist/fhir/xml.js via XML_MODULE=...)
 */
import { performance } from 'node:perf_hooks';

type XmlModule = typeof import('../src/fhir/xml.js');

const ms = (t: number) => `${t.toFixed(2)} ms`;

let t = performance.now();
const xml: XmlModule = await import(process.env['XML_MODULE'] ?? '../src/fhir/xml.js');
const importTime = performance.now() - t;

const SD = 'https://fhir.nhs.uk/STU3/StructureDefinition';
const slot = (i: number) => ({
  resourceType: 'Slot',
  id: String(1000 + i),
  meta: { versionId: '1', profile: [`${SD}/GPConnect-Slot-1`] },
  extension: [{ url: `${SD}/Extension-GPConnect-DeliveryChannel-2`, valueCode: 'In-person' }],
  serviceType: [{ text: 'Urgent appointment' }],
  schedule: { reference: `Schedule/${i % 5}` },
  status: 'free',
  start: '2026-03-02T09:00:00+00:00',
  end: '2026-03-02T09:10:00+00:00',
});
const bundle = {
  resourceType: 'Bundle',
  meta: { profile: [`${SD}/GPConnect-Searchset-Bundle-1`] },
  type: 'searchset',
  entry: Array.from({ length: 50 }, (_, i) => ({ resource: slot(i), search: { mode: 'match' } })),
};

t = performance.now();
xml.toFhirXml({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid' }] });
const firstTo = performance.now() - t;
t = performance.now();
xml.fromFhirXml('<OperationOutcome xmlns="http://hl7.org/fhir"/>');
const firstFrom = performance.now() - t;

function perCall(fn: () => unknown, n = 2000): number {
  for (let i = 0; i < 200; i++) fn();
  const start = performance.now();
  for (let i = 0; i < n; i++) fn();
  return (performance.now() - start) / n;
}

const text = xml.toFhirXml(bundle);
const json = JSON.stringify(bundle);
console.log(`import xml.ts:                 ${ms(importTime)}`);
console.log(`first toFhirXml (table load):  ${ms(firstTo)}`);
console.log(`first fromFhirXml (saxes load): ${ms(firstFrom)}`);
console.log(`50-entry Bundle: ${text.length} chars XML, ${json.length} chars JSON`);
console.log(`  toFhirXml    ${ms(perCall(() => xml.toFhirXml(bundle)))} per call`);
console.log(`  fromFhirXml  ${ms(perCall(() => xml.fromFhirXml(text)))} per call`);
console.log(
  `  JSON.stringify ${ms(perCall(() => JSON.stringify(bundle)))} / JSON.parse ${ms(perCall(() => JSON.parse(json)))}`,
);
