import { createRequire } from 'node:module';
import type * as Z from 'zod';
import { clockNowOf, inClockRange } from '../domain/clock.js';
import type { Directory } from '../domain/directory.js';
import { forbiddenKeyMessage, type JsonWalkProblem, jsonWalker, walkJson } from '../domain/map-keys.js';
import type { AppointmentRecord, Seed } from '../domain/model.js';
import type { SlotCalendar } from '../domain/slots.js';
import type { PersistedState } from '../domain/state.js';
import { appointmentToFhir } from '../fhir/resources.js';
import { unstorableProblem } from '../fhir/storable.js';
import { withCanonicalNarratives } from '../fhir/xml.js';
import { SCHEMA_VERSION, type StoreDocument } from '../store/store.js';
import { schemas, zodInputError } from './fixtures.js';
import { InputError } from './input-error.js';
import { ParseAbandoned } from './json-slices.js';

/**
 * The state document (the --db file's format and GET/PUT /_admin/snapshot's): checked whole —
 * shape, references to the seed, slots held twice, id counters — so a bad one is refused naming
 * the field as a JSON path, before anything changes and before a damaged --db file is served.
 */

/** Deepest nesting a state document may have (the outermost object is depth 0). */
export const MAX_DEPTH = 64;

export interface DocumentContext {
  seed: Seed;
  directory: Directory;
  calendar: SlotCalendar;
}

function buildDocumentSchema(z: typeof Z, patientSchema: Z.ZodType) {
  const versionId = z
    .string()
    .regex(/^[1-9]\d{0,8}$/, { error: 'a version is a positive whole number as a string' });
  const status = z.enum(['booked', 'cancelled']);
  const resource = z.record(z.string(), z.unknown());
  // Earlier versions (absent in documents written before version reads were served).
  const versionSchema = z.strictObject({ versionId, lastModifiedMs: z.number().int(), status, resource });
  const recordSchema = z.strictObject({
    id: z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, {
      error: 'an id is 1 to 64 characters from A-Z, a-z, 0-9, "-" and "."',
    }),
    versionId,
    lastModifiedMs: z.number().int(),
    patientId: z.string(),
    slotIds: z.array(z.string()).min(1),
    startMs: z.number().int(),
    endMs: z.number().int(),
    status,
    origin: z.enum(['gpconnect', 'fixture', 'not-gpconnect', 'stolen']),
    resource,
    history: z.array(versionSchema).optional(),
  });

  const shape = (appointments: Z.ZodType, fixturePatients: Z.ZodType, blockedSlot: Z.ZodType) =>
    z.strictObject({
      schemaVersion: z.literal(SCHEMA_VERSION, {
        error: `this sandbox reads schemaVersion ${SCHEMA_VERSION}`,
      }),
      seed: z.string(),
      clock: z
        .strictObject({ frozenAt: z.number().int().optional(), offsetMs: z.number().int() })
        .refine((clock) => inClockRange(clockNowOf(clock, Date.now())), {
          error: 'the clock must show an instant from 1970-01-01T00:00:00Z to 9998-12-31T23:59:59Z',
        }),
      state: z.strictObject({
        // Far below 2^53, so the ids handed out after it stay exact (each a new number).
        nextAppointmentId: z
          .number()
          .int()
          .min(1)
          .max(999_999_999_999, { error: 'must be at most 999999999999, so every later id is a new number' }),
        appointments: z.array(appointments),
        fixturePatients: z.array(fixturePatients),
        blockedSlots: z.array(blockedSlot).optional(),
      }),
    });
  return {
    recordSchema,
    patientSchema,
    slotIdSchema: z.string(),
    documentSchema: shape(recordSchema, patientSchema, z.string()),
    /** The document with its long lists unchecked, for checking them in slices. */
    shellSchema: shape(z.unknown(), z.unknown(), z.unknown()),
  };
}

let built: ReturnType<typeof buildDocumentSchema> | undefined;

/**
 * The state document's shape (the --db file, GET and PUT /_admin/snapshot); references are checked apart.
 * @internal zod types stay out of the published .d.ts (tsconfig.build.json stripInternal).
 */
export function stateDocumentSchema(): ReturnType<typeof buildDocumentSchema>['documentSchema'] {
  return documentSchemas().documentSchema;
}

function documentSchemas(): ReturnType<typeof buildDocumentSchema> {
  built ??= buildDocumentSchema(createRequire(import.meta.url)('zod') as typeof Z, schemas().patientSchema);
  return built;
}

function refuseWalkProblem(problem: JsonWalkProblem | undefined): void {
  if (problem?.kind === 'too-deep')
    throw new InputError(`nested more than ${MAX_DEPTH} levels deep`, problem.path || 'body');
  if (problem) throw new InputError(forbiddenKeyMessage(problem.path), problem.path);
}

function refuseNonObject(json: unknown): asserts json is object {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new InputError('send the document GET /_admin/snapshot returns, as a JSON object', 'body');
  }
}

/** Objects walked, and list items checked, between two yields to the event loop. */
const WALK_SLICE = 20_000;
const ITEM_SLICE = 500;

function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * checkDocument for PUT /_admin/snapshot: the same checks and errors, done in slices that yield
 * to the event loop between them, so a large import never holds up other requests for long.
 * Stops with ParseAbandoned when `abandoned()` turns true between slices (the client went away).
 */
export async function checkDocumentInSlices(
  core: DocumentContext,
  json: unknown,
  abandoned: () => boolean = () => false,
): Promise<StoreDocument> {
  const pause = async (): Promise<void> => {
    await yieldToLoop();
    if (abandoned()) throw new ParseAbandoned();
  };
  refuseNonObject(json);
  const walker = jsonWalker(json, MAX_DEPTH);
  let step = walker.run(WALK_SLICE);
  while (step === 'more') {
    await pause();
    step = walker.run(WALK_SLICE);
  }
  refuseWalkProblem(step);
  const { shellSchema, recordSchema, patientSchema, slotIdSchema } = documentSchemas();
  const shell = shellSchema.safeParse(json, { reportInput: true });
  if (!shell.success) throw zodInputError(shell.error);
  const doc = shell.data as unknown as StoreDocument;
  const checkList = async (items: unknown[], schema: Z.ZodType, path: string): Promise<unknown[]> => {
    const out: unknown[] = [];
    for (let i = 0; i < items.length; i++) {
      if (i > 0 && i % ITEM_SLICE === 0) await pause();
      const result = schema.safeParse(items[i], { reportInput: true });
      if (!result.success) throw zodInputError(result.error, `${path}[${i}]`);
      out.push(result.data);
    }
    return out;
  };
  doc.state.appointments = (await checkList(
    doc.state.appointments,
    recordSchema,
    'state.appointments',
  )) as StoreDocument['state']['appointments'];
  doc.state.fixturePatients = (await checkList(
    doc.state.fixturePatients,
    patientSchema,
    'state.fixturePatients',
  )) as StoreDocument['state']['fixturePatients'];
  if (doc.state.blockedSlots !== undefined) {
    doc.state.blockedSlots = (await checkList(
      doc.state.blockedSlots,
      slotIdSchema,
      'state.blockedSlots',
    )) as string[];
  }
  return checkReferences(core, doc);
}

/** Check a document; the error names the first bad field as a JSON path. */
export function checkDocument(core: DocumentContext, json: unknown): StoreDocument {
  refuseNonObject(json);
  // One pass for depth and keys, building no path strings until a problem is found.
  refuseWalkProblem(walkJson(json, MAX_DEPTH));
  const result = documentSchemas().documentSchema.safeParse(json, { reportInput: true });
  if (!result.success) throw zodInputError(result.error);
  return checkReferences(core, result.data as StoreDocument);
}

/** The seed, then every reference, slot and counter (checkState). */
function checkReferences(core: DocumentContext, doc: StoreDocument): StoreDocument {
  if (doc.seed !== core.seed.fingerprint) {
    throw new InputError(
      `the snapshot was taken with another seed (${doc.seed}); this sandbox runs ${core.seed.fingerprint}`,
      'seed',
    );
  }
  checkState(core, doc.state);
  return doc;
}

function checkState(core: DocumentContext, state: PersistedState): void {
  const patientIds = new Set(core.seed.patients.map((p) => p.id));
  const nhsNumbers = new Set(core.seed.patients.map((p) => p.nhsNumber));
  state.fixturePatients.forEach((patient, i) => {
    if (patientIds.has(patient.id))
      throw new InputError(`Patient/${patient.id} is used twice`, `state.fixturePatients[${i}].id`);
    if (nhsNumbers.has(patient.nhsNumber)) {
      throw new InputError(
        `NHS number ${patient.nhsNumber} is used twice`,
        `state.fixturePatients[${i}].nhsNumber`,
      );
    }
    if (!core.directory.organizations.has(patient.organizationId)) {
      throw new InputError(
        `Organization/${patient.organizationId} does not exist`,
        `state.fixturePatients[${i}].organizationId`,
      );
    }
    patientIds.add(patient.id);
    nhsNumbers.add(patient.nhsNumber);
  });
  const ids = new Set<string>();
  const held = new Map<string, string>();
  let highest = 0;
  state.appointments.forEach((record, i) => {
    const at = `state.appointments[${i}]`;
    if (ids.has(record.id)) throw new InputError(`Appointment/${record.id} is listed twice`, `${at}.id`);
    ids.add(record.id);
    if (/^\d+$/.test(record.id)) highest = Math.max(highest, Number(record.id));
    if (!patientIds.has(record.patientId)) {
      throw new InputError(
        `Patient/${record.patientId} is neither in the seed nor a fixture patient`,
        `${at}.patientId`,
      );
    }
    const slots = record.slotIds.map((id, j) => {
      const slot = core.calendar.get(id);
      if (!slot) throw new InputError(`Slot/${id} is not a slot of any schedule`, `${at}.slotIds[${j}]`);
      if (record.status === 'booked') {
        const other = held.get(id);
        if (other !== undefined)
          throw new InputError(
            `Slot/${id} is held by booked Appointment/${other} too`,
            `${at}.slotIds[${j}]`,
          );
        held.set(id, record.id);
      }
      return slot;
    });
    let previous = 0;
    (record.history ?? []).forEach((version, j) => {
      const n = Number(version.versionId);
      if (n <= previous || n >= Number(record.versionId)) {
        throw new InputError(
          `versions must rise, oldest first, each below the current version ${record.versionId}`,
          `${at}.history[${j}].versionId`,
        );
      }
      previous = n;
    });
    checkResource(record, at);
    const sorted = [...slots].sort((a, b) => a.startMs - b.startMs);
    if (record.startMs !== sorted[0]!.startMs)
      throw new InputError(`startMs is not the start of Slot/${sorted[0]!.id}`, `${at}.startMs`);
    if (record.endMs !== sorted[sorted.length - 1]!.endMs) {
      throw new InputError(`endMs is not the end of Slot/${sorted[sorted.length - 1]!.id}`, `${at}.endMs`);
    }
  });
  if (state.nextAppointmentId <= highest) {
    throw new InputError(
      `nextAppointmentId must be above every numeric appointment id (${highest})`,
      'state.nextAppointmentId',
    );
  }
  (state.blockedSlots ?? []).forEach((id, i) => {
    if (!core.calendar.get(id))
      throw new InputError(`Slot/${id} is not a slot of any schedule`, `state.blockedSlots[${i}]`);
  });
}

/**
 * A stored appointment is served as FHIR JSON and XML: it must be an STU3 Appointment whose every
 * element is known and whose strings XML 1.0 can carry (fhir/storable.ts), or it is refused here
 * rather than failing on some later read.
 */
function checkResource(record: AppointmentRecord, at: string): void {
  const type = record.resource['resourceType'];
  if (type !== undefined && type !== 'Appointment') {
    throw new InputError(
      `resourceType must be "Appointment", got ${JSON.stringify(type)}`,
      `${at}.resource.resourceType`,
    );
  }
  // The profile URL is the one thing added on output that the document does not hold. Earlier
  // versions are served too (GET /Appointment/{id}/_history/{vid}), so each is checked the same way.
  const versions: Array<[AppointmentRecord, string]> = [
    [record, `${at}.resource`],
    ...(record.history ?? []).map((version, j): [AppointmentRecord, string] => [
      { ...record, ...version },
      `${at}.history[${j}].resource`,
    ]),
  ];
  for (const [version, field] of versions) {
    checkStoredIdAndMeta(version.resource, field);
    const problem = unstorableProblem(appointmentToFhir(version, 'urn:profile'));
    if (problem) {
      throw new InputError(
        `${field}: ${problem}: a stored appointment must be valid FHIR STU3 that both JSON and XML can carry`,
        field,
      );
    }
  }
  record.resource = keptNarratives(record.resource);
  for (const version of record.history ?? []) version.resource = keptNarratives(version.resource);
}

/**
 * The stored resource with its narratives (text.div, and those of contained resources) in the
 * canonical form both formats serve, as a booking keeps them, so a document written by an earlier
 * version cannot be answered with one div in JSON and another in XML. Called once the resource passed
 * the checks above, so it cannot fail.
 */
function keptNarratives(resource: Record<string, unknown>): Record<string, unknown> {
  const { text, contained } = resource;
  if (text === undefined && contained === undefined) return resource;
  const canonical = withCanonicalNarratives({ resourceType: 'Appointment', text, contained });
  return {
    ...resource,
    ...(text === undefined ? {} : { text: canonical.text }),
    ...(contained === undefined ? {} : { contained: canonical.contained }),
  };
}

/** FHIR `id` form (https://hl7.org/fhir/STU3/datatypes.html#id). */
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * The `id` and `meta` a stored resource holds itself. appointmentToFhir serves the record's own id
 * and meta instead, so checkResource's served-form check never sees these; they are kept in the
 * document (and written back to the --db file), so they are checked as stored: `id` in FHIR id form,
 * `meta` an STU3 Meta with known elements and strings XML 1.0 can carry. The field is the JSON path
 * of the bad element, e.g. `state.appointments[0].resource.meta.bogus`.
 */
function checkStoredIdAndMeta(resource: Record<string, unknown>, field: string): void {
  const { id, meta } = resource;
  if (id !== undefined && (typeof id !== 'string' || !FHIR_ID.test(id))) {
    throw new InputError(
      `${field}.id must be a FHIR id: 1 to 64 characters from A-Z, a-z, 0-9, "-" and "."`,
      `${field}.id`,
    );
  }
  if (meta === undefined) return;
  const problem = unstorableProblem({ resourceType: 'Appointment', meta });
  if (problem) {
    const at = `${field}${elementPath(problem).replace(/^Appointment/, '')}`;
    throw new InputError(
      `${at}: ${problem}: a stored appointment must be valid FHIR STU3 that both JSON and XML can carry`,
      at,
    );
  }
  const versionId = (meta as Record<string, unknown>)['versionId'];
  if (versionId !== undefined && (typeof versionId !== 'string' || !FHIR_ID.test(versionId))) {
    throw new InputError(`${field}.meta.versionId must be a FHIR id`, `${field}.meta.versionId`);
  }
}

/** The element a toFhirXml problem names, as written: `Appointment.meta.bogus` for "unknown property bogus in Appointment.meta". */
function elementPath(problem: string): string {
  const unknown = /^unknown property (\S+) in (Appointment\S*)/.exec(problem);
  if (unknown) return `${unknown[2]}.${unknown[1]}`;
  return /^(Appointment[^\s:]*)/.exec(problem)?.[1] ?? 'Appointment.meta';
}
