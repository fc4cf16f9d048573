/**
 * Fixtures added at run time (POST /_admin/patients, /_admin/slots, /_admin/appointments):
 * patients beyond the seed, generated slots held busy by the practice, and appointments that did
 * not come through POST /Appointment — past ones, and ones "not booked through GP Connect", which
 * read, amend, cancel and retrieve treat like any other (GP Connect 1.2.4 release note).
 *
 * Slots themselves are not added: they come from the seed's schedule patterns, so a slot id means
 * the same slot in every session and after a restart. A fixture can only hold a generated slot busy
 * (as a practice does for its own use) or free it again.
 *
 * Nothing here knows HTTP: bad input throws InputError naming the field; a broken booking rule
 * (unknown patient or slot, slots apart or held) throws the domain's own DomainError, from the same
 * rules a FHIR booking uses, which http/admin-domain-errors.ts words for the admin API.
 */
import { createRequire } from 'node:module';
import type * as Z from 'zod';
import { asCancelled } from '../domain/appointment-update.js';
import {
  adjacentInOrder,
  checkSameSchedule,
  checkSlotsFree,
  commitBooking,
  findPatient,
  patientOf,
  slotOf,
} from '../domain/booking.js';
import { formatLondon, isCalendarDate, londonDateOf, parseFhirInstant } from '../domain/london-time.js';
import type { AppointmentRecord, Patient, Schedule, Slot } from '../domain/model.js';
import { nhsNumberProblem, syntheticNhsNumbers } from '../domain/nhs-number.js';
import { holdSlot, releaseSlot } from '../domain/slot-holds.js';
import { SandboxState } from '../domain/state.js';
import { charCount } from '../domain/text.js';
import { isMagicOutcome, MAGIC_OUTCOMES } from '../faults/magic-patients.js';
import { ruleRng } from '../faults/random.js';
import { appointmentResources } from '../fhir/appointment-resource.js';
import { EXTENSION_URL, SYSTEM } from '../fhir/profiles.js';
import { xmlCharProblem } from '../fhir/xml-chars.js';
import type { Application } from './application.js';
import { InputError } from './input-error.js';
import type { World } from './world.js';

const DAY = 24 * 60 * 60_000;

// ---- shapes -------------------------------------------------------------------------------------

/** Built on first use: zod costs start-up time. */
function buildSchemas(z: typeof Z) {
  const fhirId = z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, {
    error: 'an id is 1 to 64 characters from A-Z, a-z, 0-9, "-" and "."',
  });
  // Fixture strings end up in FHIR answers, XML ones too: refuse what XML 1.0 cannot carry.
  const xmlChars = (s: string, ctx: Z.core.$RefinementCtx<string>) => {
    const problem = xmlCharProblem(s);
    if (problem)
      ctx.addIssue({
        code: 'custom',
        message: `holds a character XML 1.0 cannot carry (${problem}), so FHIR XML answers could not be written`,
      });
  };
  const text = z.string().regex(/\S/, { error: 'must not be empty' }).superRefine(xmlChars);
  const address = z.strictObject({ line: z.array(text).min(1), city: text, postalCode: text });
  const humanName = z.strictObject({
    family: text,
    given: z.array(text).min(1),
    prefix: z.array(text).optional(),
  });
  const gender = z.enum(['male', 'female', 'other', 'unknown']);
  const birthDate = z.string().refine(isCalendarDate, { error: 'expected a real date as "YYYY-MM-DD"' });
  const nhsNumber = z.string().superRefine((s, ctx) => {
    const problem = nhsNumberProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
  const hasZone = (s: string) => parseFhirInstant(s)?.offsetMinutes != null;
  const instant = z.string().refine(hasZone, {
    error: 'expected a dateTime with a zone, e.g. 2026-06-02T09:00:00+01:00',
  });
  const dateOrInstant = z.string().refine((s) => isCalendarDate(s) || hasZone(s), {
    error: 'expected "YYYY-MM-DD" or a dateTime with a zone, e.g. 2026-06-02T09:00:00+01:00',
  });
  /** A string of at most `max` characters (code points, not UTF-16 units). */
  const textOfAtMost = (max: number) =>
    z.string().refine((s) => charCount(s) <= max, { error: `expected at most ${max} characters` });
  const magic = z.string().refine(isMagicOutcome, {
    error: `expected one of ${Object.keys(MAGIC_OUTCOMES).join(', ')}`,
  });

  const patientFields = {
    id: fhirId,
    nhsNumber,
    name: humanName,
    gender,
    birthDate,
    address,
    phone: text,
    organizationId: fhirId,
    active: z.boolean(),
    deceasedDateTime: dateOrInstant.optional(),
    sensitive: z.boolean().optional(),
    magic: magic.optional(),
  };

  /** A patient as stored (and as a snapshot holds it): the domain Patient. */
  const patientSchema = z.strictObject(patientFields);

  /** POST /_admin/patients: the domain Patient; id, NHS number, address, phone, practice and active may be left out. */
  const patientInput = z.strictObject({
    ...patientFields,
    id: fhirId.optional(),
    nhsNumber: nhsNumber.optional(),
    address: address.optional(),
    phone: text.optional(),
    organizationId: fhirId.optional(),
    active: z.boolean().optional(),
  });

  const slotInput = z.strictObject({
    slotId: z.string().optional(),
    scheduleId: z.string().optional(),
    start: instant.optional(),
    status: z.enum(['busy', 'free']),
  });

  const appointmentInput = z.strictObject({
    patientId: fhirId,
    slotIds: z.array(z.string()).min(1).max(24).optional(),
    scheduleId: z.string().optional(),
    start: instant.optional(),
    end: instant.optional(),
    status: z.enum(['booked', 'cancelled']).optional(),
    description: textOfAtMost(1000).superRefine(xmlChars).optional(),
    comment: textOfAtMost(4000).superRefine(xmlChars).optional(),
    origin: z.enum(['fixture', 'not-gpconnect']).optional(),
    created: instant.optional(),
    cancellationReason: text.optional(),
  });
  return { patientSchema, patientInput, slotInput, appointmentInput };
}

type Schemas = ReturnType<typeof buildSchemas>;
let built: Schemas | undefined;
/** @internal zod types stay out of the published .d.ts (tsconfig.build.json stripInternal). */
export function schemas(): Schemas {
  built ??= buildSchemas(createRequire(import.meta.url)('zod') as typeof Z);
  return built;
}

export type PatientInput = Z.input<Schemas['patientInput']>;
export type SlotInput = Z.input<Schemas['slotInput']>;
export type AppointmentInput = Z.input<Schemas['appointmentInput']>;

// ---- validation helpers -------------------------------------------------------------------------

/** `a.b[2].c`, prefixed. */
export function fieldPath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const part of path)
    out += typeof part === 'number' ? `[${part}]` : out ? `.${String(part)}` : String(part);
  return out;
}

/** The first zod issue as an InputError naming the field. */
export function zodInputError(error: Z.ZodError, prefix = ''): InputError {
  const issue = error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    return new InputError(`unknown field "${key}"`, fieldPath([...issue.path, key], prefix));
  }
  const field = fieldPath(issue.path, prefix) || prefix || 'body';
  if (issue.code === 'invalid_type' && issue.input === undefined)
    return new InputError(`${field} is required`, field);
  return new InputError(`${field}: ${issue.message}`, field);
}

function parse<T>(schema: Z.ZodType<T>, body: unknown, what: string): T {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InputError(`send ${what} as a JSON object with Content-Type: application/json`, 'body');
  }
  const result = schema.safeParse(body, { reportInput: true });
  if (!result.success) throw zodInputError(result.error);
  return result.data;
}

function parseInstant(text: string): number {
  return parseFhirInstant(text)!.ms;
}

// ---- patients -----------------------------------------------------------------------------------

/** Add a patient to this world (it goes on reset). Unique id and NHS number across seed and fixtures. */
export function addPatient(core: Application, world: World, body: unknown): Patient {
  const input = parse(schemas().patientInput, body, 'a patient');
  const state = world.state;
  const fixtures = [...state.fixturePatients.values()];
  if (input.id !== undefined && findPatient({ directory: core.directory, state }, input.id)) {
    throw new InputError(`Patient/${input.id} already exists; leave id out to get a new one`, 'id', 409);
  }
  const id = input.id ?? nextFixtureId(core, state);
  const takenNhs = new Set([
    ...core.directory.patientsByNhsNumber.keys(),
    ...fixtures.map((p) => p.nhsNumber),
  ]);
  if (input.nhsNumber !== undefined && takenNhs.has(input.nhsNumber)) {
    const owner =
      core.directory.patientsByNhsNumber.get(input.nhsNumber) ??
      fixtures.find((p) => p.nhsNumber === input.nhsNumber);
    throw new InputError(
      `NHS number ${input.nhsNumber} belongs to Patient/${owner?.id}; leave nhsNumber out to get a new one`,
      'nhsNumber',
      409,
    );
  }
  const organization =
    input.organizationId === undefined
      ? (core.seed.organizations.find((o) => o.type === 'gp-practice') ?? core.seed.organizations[0])
      : core.directory.organizations.get(input.organizationId);
  if (!organization) {
    const known = core.seed.organizations.map((o) => o.id).join(', ');
    throw new InputError(
      `Organization/${input.organizationId} does not exist; the seed has ${known}`,
      'organizationId',
    );
  }
  const patient: Patient = {
    id,
    nhsNumber:
      input.nhsNumber ??
      syntheticNhsNumbers(1, ruleRng(core.config.randomSeed, `fixture-patient-${id}`), takenNhs)[0]!,
    name: input.name,
    gender: input.gender,
    birthDate: input.birthDate,
    address: input.address ?? {
      line: ['1 High Street'],
      city: organization.address.city,
      postalCode: organization.address.postalCode,
    },
    phone: input.phone ?? '07700 900000',
    organizationId: organization.id,
    active: input.active ?? true,
    ...(input.deceasedDateTime !== undefined
      ? {
          // A date stays a date; an instant is stored in UK local time, as every request dateTime.
          deceasedDateTime: isCalendarDate(input.deceasedDateTime)
            ? input.deceasedDateTime
            : formatLondon(Math.floor(parseInstant(input.deceasedDateTime) / 1000) * 1000),
        }
      : {}),
    ...(input.sensitive !== undefined ? { sensitive: input.sensitive } : {}),
    ...(input.magic !== undefined ? { magic: input.magic } : {}),
  };
  state.fixturePatients.set(id, patient);
  state.touched();
  return patient;
}

function nextFixtureId(core: Application, state: SandboxState): string {
  for (let n = state.fixturePatients.size + 1; ; n++) {
    const id = `fx${n}`;
    if (!findPatient({ directory: core.directory, state }, id)) return id;
  }
}

// ---- slots --------------------------------------------------------------------------------------

export interface SlotChange {
  slot: Slot;
  schedule: Schedule;
  /** The booked appointment holding the slot, if any. */
  heldBy?: string;
  /** Held busy by the practice (a fixture), not by an appointment. */
  blocked: boolean;
}

/**
 * Hold a generated slot busy without an appointment (the practice keeps it) or free it again.
 * A slot held by a booked appointment is freed by cancelling that appointment, not here
 * (DomainError slot-taken); an unknown slotId is DomainError unknown-reference.
 */
export function setSlotStatus(core: Application, world: World, body: unknown): SlotChange {
  const input = parse(schemas().slotInput, body, 'a slot change');
  const { slot, schedule } = findSlot(core, input);
  const state = world.state;
  const heldBy = state.busy.get(slot.id);
  if (input.status === 'free') releaseSlot(state, slot);
  else holdSlot(state, slot);
  return {
    slot,
    schedule,
    ...(heldBy !== undefined ? { heldBy } : {}),
    blocked: state.blockedSlots.has(slot.id),
  };
}

function findSlot(
  core: Application,
  input: Z.output<Schemas['slotInput']>,
): { slot: Slot; schedule: Schedule } {
  if (input.slotId !== undefined) {
    if (input.scheduleId !== undefined || input.start !== undefined) {
      throw new InputError('send either slotId, or scheduleId and start, not both', 'slotId');
    }
    const slot = slotOf(core.calendar, input.slotId, 0);
    return { slot, schedule: core.directory.schedules.get(slot.scheduleId)! };
  }
  if (input.scheduleId === undefined || input.start === undefined) {
    throw new InputError(
      'send slotId, or scheduleId and start',
      input.scheduleId === undefined ? 'slotId' : 'start',
    );
  }
  const { schedule, slot } = slotStartingAt(core, input.scheduleId, input.start, 404);
  return { slot, schedule };
}

/** The slot of a schedule that starts at an instant, or an InputError naming `start`. */
function slotStartingAt(
  core: Application,
  scheduleId: string,
  start: string,
  status: number,
): { schedule: Schedule; slot: Slot; startMs: number } {
  const schedule = scheduleOf(core, scheduleId);
  const startMs = parseInstant(start);
  const slot = core.calendar
    .slotsOnDay(londonDateOf(startMs))
    .find((s) => s.scheduleId === schedule.id && s.startMs === startMs);
  if (!slot) throw new InputError(noSlotAt(schedule, start), 'start', status);
  return { schedule, slot, startMs };
}

function scheduleOf(core: Application, id: string): Schedule {
  const schedule = core.directory.schedules.get(id);
  if (!schedule) {
    throw new InputError(
      `Schedule/${id} does not exist; the seed has ${core.seed.schedules.map((s) => s.id).join(', ')}`,
      'scheduleId',
    );
  }
  return schedule;
}

function noSlotAt(schedule: Schedule, start: string): string {
  const p = schedule.pattern;
  return `no slot of Schedule/${schedule.id} starts at ${start}: its slots run ${p.from}-${p.to} UK time, every ${p.slotMinutes} minutes, on ISO weekdays ${p.weekdays.join(',')}`;
}

// ---- appointments -------------------------------------------------------------------------------

/**
 * Add an appointment that did not come through POST /Appointment: in the past or the future, on
 * any schedule (bookable through GP Connect or not), booked or already cancelled. A booked one
 * holds its slots like any booking. The patient, the slots (exist, one schedule, adjacent) and
 * their availability are checked by the booking rules (DomainError).
 */
export function addAppointment(core: Application, world: World, body: unknown): AppointmentRecord {
  const input = parse(schemas().appointmentInput, body, 'an appointment');
  const state = world.state;
  const patient = patientOf({ directory: core.directory, state }, input.patientId);
  const status = input.status ?? 'booked';
  if (input.cancellationReason !== undefined && status !== 'cancelled') {
    throw new InputError('cancellationReason goes only with status "cancelled"', 'cancellationReason');
  }
  const { slots, schedule, order } = appointmentSlots(core, input);
  if (status === 'booked') checkSlotsFree(slots, state, order);
  const origin = input.origin ?? 'fixture';
  const nowMs = core.clock.now();
  const startMs = slots[0]!.startMs;
  // A past appointment was made a week before it; a future one now.
  // A created sent is stored as the instant it names, in UK local time with no fraction, as a
  // booking's is (fhir/date-time.ts).
  const created = formatLondon(
    Math.floor(
      (input.created !== undefined
        ? parseInstant(input.created)
        : startMs > nowMs
          ? nowMs
          : startMs - 7 * DAY) / 1000,
    ) * 1000,
  );
  const resourceBody = fixtureBody(input, origin, patient, schedule);
  // commitBooking stores what it builds; build in a scratch state so a cancelled fixture never
  // touches the slot index, then store the finished record once.
  const scratch = new SandboxState();
  scratch.nextAppointmentId = state.nextAppointmentId;
  const resources = appointmentResources(core.profile);
  const booked = commitBooking(
    { resources, state: scratch, nowMs },
    patient,
    slots,
    schedule,
    resourceBody,
    { created },
    origin,
  );
  state.nextAppointmentId = scratch.nextAppointmentId;
  const record = status === 'cancelled' ? asCancelled(booked, input.cancellationReason, resources) : booked;
  state.put(record);
  return record;
}

/**
 * The slots of a fixture appointment in time order, its schedule, and the slots in the order the
 * input names them (`slotIds`, or time order for start and end): positions in errors refer to it.
 */
function appointmentSlots(
  core: Application,
  input: Z.output<Schemas['appointmentInput']>,
): { slots: Slot[]; schedule: Schedule; order: Slot[] } {
  if (input.slotIds !== undefined) {
    if (input.scheduleId !== undefined || input.start !== undefined || input.end !== undefined) {
      throw new InputError('send either slotIds, or scheduleId and start (and end), not both', 'slotIds');
    }
    const slots = input.slotIds.map((id, i) => {
      const slot = slotOf(core.calendar, id, i);
      if (input.slotIds!.indexOf(id) !== i)
        throw new InputError(`Slot/${id} is listed twice`, `slotIds[${i}]`);
      return slot;
    });
    const schedule = core.directory.schedules.get(slots[0]!.scheduleId)!;
    slots.forEach((slot, i) => {
      checkSameSchedule(slot, i, slots[0]!);
    });
    return { slots: adjacentInOrder(slots), schedule, order: slots };
  }
  if (input.scheduleId === undefined || input.start === undefined) {
    throw new InputError(
      'send slotIds, or scheduleId and start (and end for several slots)',
      input.scheduleId === undefined ? 'slotIds' : 'start',
    );
  }
  const { schedule, slot: first, startMs } = slotStartingAt(core, input.scheduleId, input.start, 400);
  if (input.end === undefined) return { slots: [first], schedule, order: [first] };
  const endMs = parseInstant(input.end);
  if (endMs <= startMs) throw new InputError(`end ${input.end} is not after start ${input.start}`, 'end');
  if (endMs - startMs > DAY) throw new InputError('an appointment lasts at most a day', 'end');
  const slots = core.calendar.between(startMs, endMs).filter((s) => s.scheduleId === schedule.id);
  const last = slots[slots.length - 1];
  if (!last || last.endMs !== endMs) {
    throw new InputError(
      `no slot of Schedule/${schedule.id} ends at ${input.end}: end must be a slot's end (${schedule.pattern.slotMinutes}-minute slots)`,
      'end',
    );
  }
  return { slots: adjacentInOrder(slots), schedule, order: slots };
}

/** The Appointment body a consumer (or the practice) would have sent; commitBooking adds the rest. */
function fixtureBody(
  input: Z.output<Schemas['appointmentInput']>,
  origin: 'fixture' | 'not-gpconnect',
  patient: Patient,
  schedule: Schedule,
): Record<string, unknown> {
  const participant: unknown[] = [
    { actor: { reference: `Patient/${patient.id}` }, status: 'accepted' },
    { actor: { reference: `Location/${schedule.locationId}` }, status: 'accepted' },
  ];
  if (schedule.practitionerId)
    participant.push({ actor: { reference: `Practitioner/${schedule.practitionerId}` }, status: 'accepted' });
  const body: Record<string, unknown> = {
    resourceType: 'Appointment',
    description:
      input.description ?? (origin === 'not-gpconnect' ? 'Booked at the practice' : 'Fixture appointment'),
    ...(input.comment !== undefined ? { comment: input.comment } : {}),
    participant,
  };
  // A GP Connect booking carries its booking organisation (digest §2.1); a practice booking has none.
  if (origin === 'fixture') {
    body['contained'] = [
      {
        resourceType: 'Organization',
        id: '1',
        identifier: [{ system: SYSTEM.odsCode, value: 'A99999' }],
        name: 'Sandbox fixture consumer',
        telecom: [{ system: 'phone', value: '0300 303 5678' }],
      },
    ];
    body['extension'] = [{ url: EXTENSION_URL.bookingOrganisation, valueReference: { reference: '#1' } }];
  }
  return body;
}
