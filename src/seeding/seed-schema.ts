/**
 * The seed files' shapes (zod) and the checks between them. Problems name the file, a JSON path
 * and what is wrong, so `gpc-sandbox validate` and start-up can print one line per problem.
 */
import { createRequire } from 'node:module';
import type * as Z from 'zod';
import { isCalendarDate, minutesOfDay, parseFhirInstant } from '../domain/london-time.js';
import { nhsNumberProblem } from '../domain/nhs-number.js';
import { truncateChars } from '../domain/text.js';

import { SEED_FILES, type SeedData, type SeedFileName } from './seed-files.js';

export { SEED_FILES, type SeedData, type SeedFileName } from './seed-files.js';

export interface SeedProblem {
  file: string;
  /** A JSON path into the file, like $[3].pattern.slotMinutes; "$" for the whole file. */
  path: string;
  message: string;
}

/**
 * One line: `seed/schedules.json: $[3].pattern.slotMinutes: expected a number, got "ten"`. A problem
 * with the whole file or directory (path "$") names no path: `seed/patients.json: file not found`.
 */
export function formatProblem(p: SeedProblem): string {
  return p.path === '$' ? `${p.file}: ${p.message}` : `${p.file}: ${p.path}: ${p.message}`;
}

/** Built on first use: zod costs start-up time, and the bundled seed is checked at build time. */
function buildSchemas(z: typeof Z) {
  // FHIR id characters. Schedules get 51 at most: a slot id adds "-YYYYMMDDHHMM" and must stay a FHIR id.
  const id = z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, {
    error: 'an id is 1 to 64 characters from A-Z, a-z, 0-9, "-" and "."',
  });
  const scheduleId = z.string().regex(/^[A-Za-z0-9\-.]{1,51}$/, {
    error: 'a schedule id is 1 to 51 characters from A-Z, a-z, 0-9, "-" and "." (slot ids add 13 more)',
  });
  const text = z.string().regex(/\S/, { error: 'must not be empty' });
  const odsCode = z
    .string()
    .regex(/^[A-Z0-9]{3,10}$/, { error: 'an ODS code is 3 to 10 capital letters or digits' });
  const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'a time is "HH:MM", 00:00 to 23:59' });
  const hhmmTo = z
    .string()
    .regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, { error: 'a time is "HH:MM", 00:00 to 24:00' });
  const date = z.string().refine(isCalendarDate, {
    error: (issue) => `expected a real date as "YYYY-MM-DD", got ${shown(issue.input)}`,
  });
  const dateOrDateTime = z
    .string()
    .refine((s) => isCalendarDate(s) || parseFhirInstant(s)?.offsetMinutes != null, {
      error: (issue) =>
        `expected "YYYY-MM-DD" or a dateTime with a zone (2024-05-01T10:00:00+01:00), got ${shown(issue.input)}`,
    });
  const gender = z.enum(['male', 'female', 'other', 'unknown']);
  const orgType = z.enum(['gp-practice', 'urgent-care']);

  const address = z.strictObject({ line: z.array(text).min(1), city: text, postalCode: text });
  const humanName = z.strictObject({
    family: text,
    given: z.array(text).min(1),
    prefix: z.array(text).optional(),
  });
  const coding = z.strictObject({ code: text, display: text });

  const manifestSchema = z.strictObject({ name: text, horizonDays: z.int().min(1).max(366) });

  const organizationSchema = z.strictObject({ id, odsCode, name: text, type: orgType, phone: text, address });

  const locationSchema = z.strictObject({ id, name: text, organizationId: id, phone: text, address });

  const practitionerSchema = z.strictObject({
    id,
    sdsUserId: text,
    sdsRoleProfileId: text.optional(),
    name: humanName,
    gender,
    role: coding,
  });

  const channel = z.enum(['In-person', 'Telephone', 'Video']);
  const variantSchema = z
    .strictObject({
      from: hhmm,
      to: hhmmTo,
      deliveryChannel: channel.optional(),
      serviceType: text.optional(),
    })
    .refine((v) => v.deliveryChannel !== undefined || v.serviceType !== undefined, {
      error: 'a variant sets deliveryChannel, serviceType or both',
    });

  const patternSchema = z
    .strictObject({
      weekdays: z.array(z.int().min(1).max(7)).min(1),
      from: hhmm,
      to: hhmmTo,
      slotMinutes: z.int().min(1).max(240),
      deliveryChannel: channel,
      serviceType: text,
      restriction: z.strictObject({ orgType: orgType.optional(), odsCode: odsCode.optional() }).optional(),
      bookable: z.boolean(),
      variants: z.array(variantSchema).optional(),
    })
    .superRefine((p, ctx) => {
      const from = minutesOfDay(p.from);
      const to = minutesOfDay(p.to);
      if (to <= from)
        ctx.addIssue({ code: 'custom', path: ['to'], message: `must be later than from (${p.from})` });
      else if (from + p.slotMinutes > to) {
        ctx.addIssue({
          code: 'custom',
          path: ['slotMinutes'],
          message: `no ${p.slotMinutes}-minute slot fits between ${p.from} and ${p.to}`,
        });
      }
      let previousEnd = from;
      (p.variants ?? []).forEach((v, i) => {
        const vFrom = minutesOfDay(v.from);
        const vTo = minutesOfDay(v.to);
        const problem =
          vTo <= vFrom
            ? `to must be later than from (${v.from})`
            : vFrom < previousEnd
              ? `must start at or after ${i === 0 ? `the pattern's from (${p.from})` : `the previous variant's to (${p.variants![i - 1]!.to})`}: variants are in order and do not overlap`
              : vTo > to
                ? `must end by the pattern's to (${p.to})`
                : undefined;
        if (problem) ctx.addIssue({ code: 'custom', path: ['variants', i], message: problem });
        previousEnd = Math.max(previousEnd, vTo);
      });
    });

  const scheduleSchema = z.strictObject({
    id: scheduleId,
    locationId: id,
    practitionerId: id.optional(),
    serviceCategory: text,
    practitionerRole: coding,
    pattern: patternSchema,
  });

  const nhsNumber = z.string().superRefine((s, ctx) => {
    const problem = nhsNumberProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

  const patientSchema = z.strictObject({
    id,
    nhsNumber,
    name: humanName,
    gender,
    birthDate: date,
    address,
    phone: text,
    organizationId: id,
    active: z.boolean(),
    deceasedDateTime: dateOrDateTime.optional(),
    sensitive: z.boolean().optional(),
    magic: text.optional(),
  });

  return {
    'seed.json': manifestSchema,
    'organizations.json': z.array(organizationSchema),
    'locations.json': z.array(locationSchema),
    'practitioners.json': z.array(practitionerSchema),
    'schedules.json': z.array(scheduleSchema),
    'patients.json': z.array(patientSchema),
  };
}

let schemas: ReturnType<typeof buildSchemas> | undefined;
function fileSchemas(): ReturnType<typeof buildSchemas> {
  schemas ??= buildSchemas(createRequire(import.meta.url)('zod') as typeof Z);
  return schemas;
}
export type SeedFileContent<K extends SeedFileName> = Z.infer<ReturnType<typeof buildSchemas>[K]>;

/** Fields that must be unique across a file's entries (ids, and what resources are searched by). */
const uniqueFields: Partial<Record<SeedFileName, string[]>> = {
  'organizations.json': ['id', 'odsCode'],
  'locations.json': ['id'],
  'practitioners.json': ['id', 'sdsUserId'],
  'schedules.json': ['id'],
  'patients.json': ['id', 'nhsNumber'],
};

/** Checks one file on its own. `file` names it in the problems. */
export function parseSeedFile<K extends SeedFileName>(
  kind: K,
  json: unknown,
  file: string = kind,
): { data?: SeedFileContent<K>; problems: SeedProblem[] } {
  const result = fileSchemas()[kind].safeParse(json, { reportInput: true });
  if (!result.success)
    return { problems: result.error.issues.flatMap((issue) => issueProblems(file, issue)) };
  const problems: SeedProblem[] = [];
  const items = (Array.isArray(result.data) ? result.data : []) as Record<string, unknown>[];
  for (const field of uniqueFields[kind] ?? []) {
    const firstIndex = new Map<unknown, number>();
    items.forEach((item, i) => {
      const value = item[field];
      const first = firstIndex.get(value);
      if (first === undefined) firstIndex.set(value, i);
      else
        problems.push({
          file,
          path: `$[${i}].${field}`,
          message: `${JSON.stringify(value)} is already used by $[${first}]`,
        });
    });
  }
  return problems.length ? { problems } : { data: result.data as SeedFileContent<K>, problems };
}

/**
 * Checks one seed file on its own (references to other files are crossCheckSeed's job). The kind
 * comes from the file's name when it is a seed file name, else from its content.
 */
export function validateSeedFile(fileName: string, json: unknown): SeedProblem[] {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  const kind = SEED_FILES.find((f) => f === base) ?? looksLikeSeedFile(json);
  if (!kind) {
    return [
      { file: fileName, path: '$', message: `not recognisably a seed file (${SEED_FILES.join(', ')})` },
    ];
  }
  return parseSeedFile(kind, json, fileName).problems;
}

/** Which seed file a parsed JSON document looks like, told by its fields; undefined when none. */
export function looksLikeSeedFile(json: unknown): SeedFileName | undefined {
  if (isRecord(json)) return 'horizonDays' in json ? 'seed.json' : undefined;
  if (!Array.isArray(json) || !isRecord(json[0])) return undefined;
  const first = json[0];
  if ('pattern' in first) return 'schedules.json';
  if ('nhsNumber' in first) return 'patients.json';
  if ('sdsUserId' in first) return 'practitioners.json';
  if ('odsCode' in first) return 'organizations.json';
  if ('organizationId' in first) return 'locations.json';
  return undefined;
}

/** References between files: every id a file points at must exist in the file it names. */
export function crossCheckSeed(
  seed: SeedData,
  fileLabel: (file: SeedFileName) => string = (file) => file,
): SeedProblem[] {
  const ids = {
    'organizations.json': new Set(seed.organizations.map((o) => o.id)),
    'locations.json': new Set(seed.locations.map((l) => l.id)),
    'practitioners.json': new Set(seed.practitioners.map((p) => p.id)),
  };
  type Ref = [file: SeedFileName, path: string, ref: string | undefined, target: keyof typeof ids];
  const refs: Ref[] = [
    ...seed.locations.map(
      (l, i): Ref => ['locations.json', `$[${i}].organizationId`, l.organizationId, 'organizations.json'],
    ),
    ...seed.schedules.flatMap((s, i): Ref[] => [
      ['schedules.json', `$[${i}].locationId`, s.locationId, 'locations.json'],
      ['schedules.json', `$[${i}].practitionerId`, s.practitionerId, 'practitioners.json'],
    ]),
    ...seed.patients.map(
      (p, i): Ref => ['patients.json', `$[${i}].organizationId`, p.organizationId, 'organizations.json'],
    ),
  ];
  return refs
    .filter(([, , ref, target]) => ref !== undefined && !ids[target].has(ref))
    .map(([file, path, ref, target]) => ({
      file: fileLabel(file),
      path,
      message: `${JSON.stringify(ref)} is not an id in ${target}`,
    }));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function jsonPath(path: readonly PropertyKey[]): string {
  let out = '$';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && /^[A-Za-z_$][\w$]*$/.test(seg)) out += `.${seg}`;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

/** A value as a message shows it: short JSON for scalars, a kind for containers. */
function shown(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (isRecord(v)) return 'an object';
  const json = JSON.stringify(v) ?? String(v);
  return truncateChars(json, 40);
}

const expectedNames: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
};

function issueProblems(file: string, issue: Z.core.$ZodIssue): SeedProblem[] {
  const at = (path: readonly PropertyKey[], message: string) => ({ file, path: jsonPath(path), message });
  const { input } = issue as { input?: unknown };
  const got = input === undefined ? 'nothing (the field is missing)' : shown(input);
  switch (issue.code) {
    case 'invalid_type': {
      // A string where a whole number belongs is "not a number"; 1.5 is "not a whole number".
      const expected = issue.expected === 'int' && typeof input !== 'number' ? 'number' : issue.expected;
      return [at(issue.path, `expected ${expectedNames[expected] ?? expected}, got ${got}`)];
    }
    case 'invalid_value':
      return [at(issue.path, `expected one of ${issue.values.map((v) => shown(v)).join(', ')}, got ${got}`)];
    case 'unrecognized_keys':
      return issue.keys.map((key) => at([...issue.path, key], 'unknown field (check its spelling)'));
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? `at least ${issue.minimum}` : `at most ${issue.maximum}`;
      if (issue.origin === 'array') return [at(issue.path, `must have ${bound} entries`)];
      return [at(issue.path, `must be ${bound}, got ${got}`)];
    }
    case 'invalid_format':
      return [at(issue.path, `${issue.message}, got ${got}`)];
    default:
      return [at(issue.path, issue.message)];
  }
}
