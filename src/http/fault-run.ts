import type { Request, Response } from 'express';
import type { Application } from '../application/application.js';
import { type Generation, stillCurrent } from '../application/generation.js';
import type { World } from '../application/world.js';
import { commitBooking, findPatient } from '../domain/booking.js';
import { dropConnection, type HungConnections, sleep } from '../faults/apply.js';
import { type FaultDecision, FaultEngine, whyNot } from '../faults/engine.js';
import { FAULT_HEADER_NAME, parseFaultHeader } from '../faults/header.js';
import { MAGIC_OUTCOMES } from '../faults/magic-patients.js';
import { formatProblems } from '../faults/rule.js';
import {
  type FaultHost,
  holdsConnection,
  requestProblems,
  runSteps,
  stepsOfDecision,
} from '../faults/steps/index.js';
import { operationsOf } from '../faults/steps/scope.js';
import { bookingProfile } from '../fhir/appointment-resource.js';
import { SpineError } from '../fhir/operation-outcome.js';
import type { Operation } from '../fhir/operations.js';
import { statusFor } from '../profiles/index.js';
import { checkAdminToken, throttledMessage } from './admin-guard.js';
import { errorResult } from './error-result.js';
import { faultSubject } from './fault-subject.js';
import type { FhirCall, FhirResult } from './fhir-types.js';
import type { TokenThrottle } from './token-throttle.js';

/**
 * Choosing and applying a fault for one FHIR request (the only place faults act on a response):
 * the X-Sandbox-Fault header, a magic patient's outcome, then the armed and scenario rules.
 */

export interface FaultRunOptions {
  hung: HungConnections;
  /** Cancels fault delays at shutdown. */
  shutdown: AbortSignal;
}

/** A fault delay at least this long counts as holding a connection (--max-held). */
export { HOLD_DELAY_MS } from '../faults/steps/delay.js';

/** True when applying the decision would hold the connection: `drop: hang`, or a long delay. */
function holds(decision: FaultDecision): boolean {
  return holdsConnection(stepsOfDecision(decision));
}

/**
 * At most --max-held connections are held by faults at once (a file descriptor each): beyond,
 * a fault that would hold one more is not applied. The real answer is served, and `problems`
 * (the X-Sandbox-Warning header and the journal) says why.
 */
export function capHeld(
  core: Application,
  decision: FaultDecision | undefined,
  hung: HungConnections,
  problems: string[],
): FaultDecision | undefined {
  if (!decision || !holds(decision) || hung.held < core.config.maxHeld) return decision;
  problems.push(
    `Fault "${decision.name}" was not applied: ${hung.held} connections are already held by faults (--max-held ${core.config.maxHeld}); this is the real answer`,
  );
  return undefined;
}

/**
 * May this request's X-Sandbox-Fault header apply? Not with --no-header-faults (a warning in
 * `problems` says it was ignored); with --admin-token only alongside the right X-Admin-Token,
 * else a 401 (none), 403 (wrong) or 429 (too many wrong) OperationOutcome naming the header.
 */
export function headerFaultAllowed(
  core: Application,
  req: Request,
  throttle: TokenThrottle,
  problems: string[],
): boolean {
  if (req.headers['x-sandbox-fault'] === undefined) return false;
  if (!core.config.headerFaults) {
    problems.push('X-Sandbox-Fault was ignored: this sandbox was started with --no-header-faults');
    return false;
  }
  const token = core.config.adminToken;
  if (token === undefined) return true;
  const check = checkAdminToken(req, token, throttle);
  if (check === 'accepted') return true;
  if (typeof check === 'object') {
    throw new SpineError(
      'BAD_REQUEST',
      `X-Sandbox-Fault: ${throttledMessage(check.retryAfterSeconds)}`,
      429,
      {
        'Retry-After': String(check.retryAfterSeconds),
      },
    );
  }
  throw new SpineError(
    'ACCESS DENIED',
    check === 'missing'
      ? 'X-Sandbox-Fault needs X-Admin-Token on this sandbox (it has an --admin-token): send both, or arm the fault through /_admin/faults'
      : "X-Sandbox-Fault was refused: X-Admin-Token does not match this sandbox's --admin-token",
    check === 'missing' ? 401 : 403,
  );
}

/** One-off header fault, then a magic patient's outcome, then the armed rules and the scenario's. */
export async function selectFault(
  core: Application,
  world: World,
  req: { method: string; headers: Request['headers'] },
  path: string,
  template: string,
  call: FhirCall,
  interaction: string | undefined,
  /** False when the X-Sandbox-Fault header must be ignored (headerFaultAllowed). */
  useHeader = true,
): Promise<FaultDecision | undefined> {
  const subject = faultSubject(call, template);
  const faultRequest = { method: req.method, path, interaction, headers: req.headers, ...subject };
  const header = req.headers['x-sandbox-fault'];
  if (useHeader && typeof header === 'string') {
    const parsed = parseFaultHeader(header);
    if ('problems' in parsed) throw new SpineError('BAD_REQUEST', parsed.message);
    // Armed by the request itself: a step that cannot act on it (emptyBundle on a booking) is refused.
    if (whyNot(parsed.rule.when, faultRequest) === null) {
      const problems = requestProblems(parsed.rule, operationsOf(req.method, template), faultRequest);
      if (problems.length) throw new SpineError('BAD_REQUEST', formatProblems(FAULT_HEADER_NAME, problems));
    }
    // The world's generator, so probability=0.5 in a header varies from request to request.
    return world.faults.oneOff(parsed.rule, faultRequest);
  }
  if (subject.patientId) {
    const patient = findPatient({ directory: core.directory, state: world.state }, subject.patientId);
    const magic = patient?.magic ? MAGIC_OUTCOMES[patient.magic] : undefined;
    if (magic) {
      const decision = FaultEngine.once(magic.rule, core.config.randomSeed, faultRequest);
      if (decision) return decision;
    }
  }
  return world.faults.select(faultRequest);
}

export async function runWithFault(
  core: Application,
  world: World,
  call: FhirCall,
  decision: FaultDecision | undefined,
  run: () => FhirResult | Promise<FhirResult>,
  res: Response,
  options: FaultRunOptions,
  /** The generation the request was admitted under: its end cuts the request (RequestCancelled). */
  generation: Generation,
  /** The rows of the operations table the request is (steps/scope.ts operationsOf); none when unrouted. */
  operations: readonly Operation[] = [],
): Promise<FhirResult | 'dropped'> {
  if (!decision) return run();
  // Counted from now, not from when the connection starts to wait: capHeld (just before) and
  // this are one synchronous step, so concurrent requests cannot all slip under --max-held.
  const release = holds(decision) ? options.hung.hold() : undefined;
  try {
    return await applyFault(core, world, call, decision, run, res, options, generation, operations);
  } finally {
    release?.(); // a hung socket is counted by HungConnections itself from here on
  }
}

/**
 * Carry out a decision: its steps (steps/index.ts) in order, each through its implementation, with
 * this request's I/O as the host. A step that cannot act on the request's interaction is passed over.
 */
async function applyFault(
  core: Application,
  world: World,
  call: FhirCall,
  decision: FaultDecision,
  run: () => FhirResult | Promise<FhirResult>,
  res: Response,
  options: FaultRunOptions,
  generation: Generation,
  operations: readonly Operation[],
): Promise<FhirResult | 'dropped'> {
  const host: FaultHost<FhirResult> = {
    operations,
    run: async () => run(),
    async runFirst() {
      try {
        return await run();
      } catch (error) {
        return errorResult(core, error, []);
      }
    },
    async wait(ms) {
      if (ms > 0) await sleep(ms, AbortSignal.any([options.shutdown, generation.signal]));
      // A reset or import while it waited: nothing of it commits into the new state.
      stillCurrent(generation);
    },
    checkCurrent: () => stillCurrent(generation),
    drop(mode) {
      dropConnection(res, mode, options.hung);
      // A hung connection is cut by the next reset or import of its world, like any in flight.
      if (mode === 'hang' && res.socket && !res.socket.destroyed) generation.hold(res.socket);
    },
    statusOf: (code) => statusFor(core.profile, code),
    // A command like any booking: on a shared store it commits only if nobody changed the world first.
    stealFirstSlot: () => core.execute(world, generation, () => stealFirstSlot(core, world, call)),
  };
  return runSteps(stepsOfDecision(decision), host);
}

/** A simulated competing consumer books the request's first slot just before it runs. */
function stealFirstSlot(core: Application, world: World, call: FhirCall): void {
  const subject = faultSubject(call, '/Appointment');
  const slotId = subject.slotIds?.[0];
  const slot = slotId ? core.calendar.get(slotId) : undefined;
  if (!slot || !world.state.isFree(slot.id)) return;
  const schedule = core.directory.schedules.get(slot.scheduleId)!;
  const competitor =
    core.seed.patients.find((p) => p.id !== subject.patientId && p.active && !p.magic) ??
    core.seed.patients[0]!;
  const ctx = {
    ...bookingProfile(core.profile),
    directory: core.directory,
    calendar: core.calendar,
    state: world.state,
    nowMs: call.nowMs,
  };
  commitBooking(
    ctx,
    competitor,
    [slot],
    schedule,
    {
      description: 'Booked by a simulated competing consumer (steal fault)',
      participant: [
        { actor: { reference: `Patient/${competitor.id}` }, status: 'accepted' },
        { actor: { reference: `Location/${schedule.locationId}` }, status: 'accepted' },
      ],
    },
    {},
    'stolen',
  );
}
