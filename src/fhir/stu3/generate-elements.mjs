#!/usr/bin/env node
/**
 * Regenerates src/fhir/stu3/elements.ts, the compact FHIR STU3 (3.0.1) element table that drives
 * src/fhir/xml.ts, from the StructureDefinitions shipped inside the npm package fhir@3.3.1
 * (profiles/stu3/profiles-types.json and profiles-resources.json). fhir@3.3.1 cannot be installed
 * as a dependency (it wants a native libxmljs), so its files are used as data only:
 *
 *   node src/fhir/stu3/generate-elements.mjs [DIR]
 *
 * DIR is an unpacked fhir@3.3.1 (the folder holding package.json); without it the script runs
 * `npm pack fhir@3.3.1` into a temporary folder and unpacks it there.
 *
 * Table format (JSON): { fhirVersion, primitives: {type: jsonType}, resources: [name],
 * types: { key: [[name, type, flags?]] } } in StructureDefinition order. key is a type name or,
 * for an inline BackboneElement, its path (Appointment.participant). type is a primitive, a
 * complex type, a backbone path, "Resource" or "xhtml"; for a choice element (value[x]) it is the
 * list of allowed types. flags: 1 = repeats (max > 1), 2 = XML attribute (Element.id, Extension.url).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The resources the sandbox serves or reads (PRODUCT.md, digest §1.2), plus the two that GP Connect
// carries elsewhere: HealthcareService (1.2.8) and Parameters ($gpc.registerpatient).
const RESOURCES = [
  'Appointment',
  'Bundle',
  'CapabilityStatement',
  'Device',
  'HealthcareService',
  'Location',
  'OperationOutcome',
  'Organization',
  'Parameters',
  'Patient',
  'Practitioner',
  'PractitionerRole',
  'Schedule',
  'Slot',
];

function packageDir() {
  if (process.argv[2]) return process.argv[2];
  const dir = mkdtempSync(join(tmpdir(), 'fhir-stu3-'));
  const file = execFileSync('npm', ['pack', 'fhir@3.3.1', '--silent', '--pack-destination', dir], {
    encoding: 'utf8',
  }).trim();
  execFileSync('tar', ['xzf', join(dir, file), '-C', dir]);
  return join(dir, 'package');
}

const dir = packageDir();
const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
if (pkg.version !== '3.3.1') throw new Error(`expected fhir@3.3.1 in ${dir}, found ${pkg.version}`);
const load = (name) => JSON.parse(readFileSync(join(dir, 'profiles', 'stu3', name), 'utf8'));
const definitions = new Map();
for (const file of ['profiles-types.json', 'profiles-resources.json']) {
  for (const { resource } of load(file).entry) {
    if (resource.resourceType === 'StructureDefinition') definitions.set(resource.id, resource);
  }
}

const primitives = {};
for (const sd of definitions.values()) {
  if (sd.kind !== 'primitive-type') continue;
  const value = sd.snapshot.element.find((e) => e.path === `${sd.id}.value`);
  const jsonType = value.type[0]._code.extension.find((x) => x.url.endsWith('structuredefinition-json-type'));
  primitives[sd.id] = jsonType.valueString;
}

const types = {};
const pending = [...RESOURCES];
const done = new Set();

function typeOf(element, children, rootPath) {
  if (element.contentReference) {
    const target = element.contentReference.slice(1);
    return rootPath === target.split('.')[0] ? target : undefined;
  }
  const codes = [...new Set(element.type.map((t) => t.code))];
  if (codes.length === 1 && (codes[0] === 'BackboneElement' || codes[0] === 'Element') && children) {
    return element.path;
  }
  return codes.length === 1 ? codes[0] : codes;
}

function addStructure(name) {
  if (done.has(name)) return;
  done.add(name);
  const sd = definitions.get(name);
  if (!sd) throw new Error(`no StructureDefinition for ${name}`);
  const elements = sd.snapshot.element;
  // A constrained type (SimpleQuantity) keeps its base type's paths (Quantity.value).
  const root = elements[0].path;
  const byParent = new Map();
  for (const e of elements.slice(1)) {
    if (e.max === '0') continue;
    const parent = e.path.slice(0, e.path.lastIndexOf('.'));
    if (!byParent.has(parent)) byParent.set(parent, []);
    byParent.get(parent).push(e);
  }
  for (const [parent, children] of byParent) {
    const key = parent === root ? name : parent;
    types[key] = children.map((e) => {
      const type = typeOf(e, byParent.has(e.path), root);
      if (type === undefined) throw new Error(`cannot resolve ${e.path}`);
      for (const t of Array.isArray(type) ? type : [type]) {
        if (!(t in primitives) && t !== 'Resource' && !t.includes('.') && !done.has(t)) pending.push(t);
      }
      const flags = (e.max === '1' ? 0 : 1) | (e.representation?.includes('xmlAttr') ? 2 : 0);
      const entry = [e.path.slice(e.path.lastIndexOf('.') + 1), type];
      if (flags) entry.push(flags);
      return entry;
    });
  }
}

while (pending.length > 0) addStructure(pending.shift());

const table = {
  fhirVersion: definitions.get('Appointment').fhirVersion,
  primitives,
  resources: RESOURCES,
  types: Object.fromEntries(
    Object.keys(types)
      .sort()
      .map((k) => [k, types[k]]),
  ),
};
const json = JSON.stringify(table);
// Names and type codes only: nothing that would need escaping inside a single-quoted literal.
if (/['\\\n]/.test(json)) throw new Error('unexpected quote, backslash or newline in the table');
const out = new URL('./elements.ts', import.meta.url);
writeFileSync(
  out,
  `// Generated by src/fhir/stu3/generate-elements.mjs from fhir@3.3.1 profiles/stu3 (FHIR ${table.fhirVersion}).\n` +
    '// Do not edit by hand. A string, so that importing it costs nothing until xml.ts parses it on first use.\n' +
    // Laid out as Biome formats it, so that regenerating leaves no diff.
    `export const STU3_ELEMENTS =\n  '${json}';\n`,
);
console.log(`wrote ${out.pathname}: ${Object.keys(types).length} structures, ${json.length} characters`);
