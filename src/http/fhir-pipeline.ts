import type { TLSSocket } from 'node:tls';
import type { Request, RequestHandler, Response } from 'express';
import { checkEnvelope } from '../auth/envelope.js';
import { commitBooking, findPatient } from '../domain/booking.js';
import { dropConnection, type HungConnections, sleep, sspErrorBody } from '../faults/apply.js';
import type { FaultDecision } from '../faults/engine.js';
import { FaultEngine } from '../faults/engine.js';
import { parseFaultHeader } from '../faults/header.js';
import { MAGIC_OUTCOMES } from '../faults/magic-patients.js';
import { negotiateResponseFormat } from '../fhir/format.js';
import { operationOutcome, type SpineCode, SpineError } from '../fhir/operation-outcome.js';
import { searchset } from '../fhir/resources.js';
import { statusFor } from '../profiles/index.js';
import type { SandboxCore } from '../sandbox/core.js';
import { truncateBody } from '../sandbox/journal.js';
import type { World } from '../sandbox/world.js';
import { readFhirBody } from './body.js';
import { faultSubject } from './fault-subject.js';
import { matchRoute, supportedInteractions } from './fhir-routes.js';
import type { FhirCall, FhirResult } from './fhir-types.js';
import { sendFhir } from './send.js';

/** Strips the Spine Secure Proxy's prefix: /{ssp}/https://{provider}{base}/... (digest §1.1). */
const SSP_PREFIX = /^\/[^/]+\/https?:\/\/?[^/]+/;

export interface PipelineOptions {
  hung: HungConnections;
  /** Cancels fault delays at shutdown. */
  shutdown: AbortSignal;
}

/**
 * Every FHIR request goes through here: route, session, format, envelope, body, fault, handler,
 * response, journal. Handlers return results instead of writing, so a fault can replace a
 * response after the handler committed (`after: true`).
 */
export function fhirPipeline(core: SandboxCore, options: PipelineOptions): RequestHandler {
  return async (req, res) => {
    const started = performance.now();
    const problems: string[] = [];
    let world: World = core.defaultWorld;
    let format: 'json' | 'xml' = 'json';
    let interaction: string | undefined;
    let faultName: string | undefined;
    let requestBody: string | undefined;
    let result: FhirResult | 'dropped';
    try {
      if (core.config.tls?.requireClientCert && !(req.socket as TLSSocket).authorized) {
        // The Spine proxy's answer to a missing or untrusted client certificate (digest §5.1).
        throw new SpineError(
          'BAD_REQUEST',
          'This provider requires mutual TLS: present a client certificate signed by the CA given to --tls-ca',
          496,
        );
      }
      const path = stripSspPrefix(req.path, core.config.basePath);
      const session = headerValue(req, 'x-sandbox-session');
      world = core.world(session);
      const negotiated = negotiateResponseFormat({
        formatParam: req.query['_format'] as string | string[] | undefined,
        accept: req.headers.accept,
        contentType: req.headers['content-type'],
        strict: core.profile.strictBooking,
      });
      if ('error' in negotiated) throw new SpineError('BAD_REQUEST', negotiated.error, 415);
      format = negotiated.format;

      const match = matchRoute(req.method, path);
      if (!match || 'wrongMethod' in match) {
        const refusal = !match
          ? new SpineError(
              'NO_RECORD_FOUND',
              `${req.method} ${path} is not an interaction of this provider (paths are case-sensitive, with no trailing slash). Supported: ${supportedInteractions()}`,
              404,
            )
          : new SpineError(
              'BAD_REQUEST',
              `${req.method} is not allowed on ${path}: use ${match.wrongMethod.map((r) => `${r.method} ${r.template} (${r.summary})`).join(' or ')}`,
              400,
            );
        // Faults model the network and the Spine proxy, which answer for paths this provider
        // does not serve too (the proxy's 415 for an interaction it does not route).
        interaction = headerValue(req, 'ssp-interactionid');
        const decision = world.faults.select({ method: req.method, path, interaction, headers: req.headers });
        if (!decision) throw refusal;
        faultName = decision.name;
        const call = emptyCall(core, world, req);
        result = await runWithFault(core, world, call, decision, () => Promise.reject(refusal), res, options);
      } else {
        if (core.config.auth !== 'off') {
          const envelope = checkEnvelope(
            { method: req.method, path, headers: req.headers },
            {
              providerAsid: core.config.providerAsid,
              nowSeconds: Math.floor(Date.now() / 1000),
              seenTraceIds: world.traceIds,
            },
          );
          interaction = envelope.interaction?.id;
          if (envelope.problems.length > 0) {
            if (core.config.auth === 'strict') {
              const first = envelope.problems[0]!;
              throw new SpineError(first.code, first.diagnostics, first.status);
            }
            problems.push(...envelope.problems.map((p) => p.diagnostics));
          }
          problems.push(...envelope.warnings);
        } else {
          interaction = headerValue(req, 'ssp-interactionid');
        }

        let body: unknown;
        if (req.method === 'POST' || req.method === 'PUT') {
          const read = await readFhirBody(req, res, core.profile.requestContentTypes);
          body = read.value;
          requestBody = read.text;
        }

        const call: FhirCall = {
          core,
          world,
          params: match.params,
          query: req.query as FhirCall['query'],
          body,
          headers: req.headers,
          interaction,
          nowMs: core.clock.now(),
          fhirBaseUrl: fhirBaseUrl(core, req),
        };
        const decision = await selectFault(core, world, req, path, match.route.template, call, interaction);
        faultName = decision?.name;
        result = await runWithFault(
          core,
          world,
          call,
          decision,
          () => match.route.handler(call),
          res,
          options,
        );
      }
    } catch (error) {
      result = errorResult(core, error, problems);
    }

    if (problems.length > 0 && result !== 'dropped') {
      result.headers = {
        ...result.headers,
        'X-Sandbox-Warning': problems
          .join(' | ')
          .replace(/[^\x20-\x7e]/g, '?')
          .slice(0, 4000),
      };
    }
    const responseBody =
      result === 'dropped'
        ? undefined
        : sendFhir(res, result.status, result.minimal ? undefined : result.resource, format, result.headers);
    const ms = Math.round((performance.now() - started) * 10) / 10;
    world.journal.add({
      time: new Date(core.clock.now()).toISOString(),
      method: req.method,
      path: req.originalUrl,
      ...(interaction ? { interaction } : {}),
      status: result === 'dropped' ? 0 : result.status,
      ms,
      problems,
      ...(faultName ? { fault: faultName } : {}),
      request: {
        headers: flatHeaders(req.headers),
        ...(requestBody !== undefined ? { body: truncateBody(requestBody) } : {}),
      },
      response: {
        headers: result === 'dropped' ? {} : flatHeaders(res.getHeaders()),
        ...(responseBody !== undefined ? { body: truncateBody(responseBody) } : {}),
      },
    });
    core.config.log?.(
      'info',
      `${req.method} ${req.originalUrl} ${result === 'dropped' ? 'dropped' : result.status} ${ms}ms`,
      {
        method: req.method,
        path: req.originalUrl,
        status: result === 'dropped' ? 0 : result.status,
        ms,
        ...(faultName ? { fault: faultName } : {}),
        ...(world.id ? { session: world.id } : {}),
      },
    );
  };
}

/** A call for a request no route serves: only faults look at it. */
function emptyCall(core: SandboxCore, world: World, req: Request): FhirCall {
  return {
    core,
    world,
    params: [],
    query: req.query as FhirCall['query'],
    body: undefined,
    headers: req.headers,
    nowMs: core.clock.now(),
    fhirBaseUrl: fhirBaseUrl(core, req),
  };
}

function stripSspPrefix(path: string, basePath: string): string {
  const m = SSP_PREFIX.exec(path);
  if (!m) return path;
  const rest = path.slice(m[0].length);
  return basePath && rest.startsWith(basePath) ? rest.slice(basePath.length) : rest;
}

function headerValue(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function fhirBaseUrl(core: SandboxCore, req: Request): string {
  const origin =
    core.config.publicUrl?.replace(/\/$/, '') ??
    `${req.protocol}://${req.get('host') ?? `${core.config.host}:${core.config.port}`}`;
  return `${origin}${core.config.basePath}`;
}

function flatHeaders(headers: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

/** One-off header fault, then a magic patient's outcome, then the armed rules and the scenario's. */
async function selectFault(
  core: SandboxCore,
  world: World,
  req: Request,
  path: string,
  template: string,
  call: FhirCall,
  interaction: string | undefined,
): Promise<FaultDecision | undefined> {
  const subject = faultSubject(call, template);
  const faultRequest = { method: req.method, path, interaction, headers: req.headers, ...subject };
  const header = headerValue(req, 'x-sandbox-fault');
  if (header !== undefined) {
    const parsed = parseFaultHeader(header);
    if ('problems' in parsed) {
      throw new SpineError(
        'BAD_REQUEST',
        `X-Sandbox-Fault: ${parsed.problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
      );
    }
    return FaultEngine.once(parsed.rule, core.config.randomSeed, faultRequest);
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

async function runWithFault(
  core: SandboxCore,
  world: World,
  call: FhirCall,
  decision: FaultDecision | undefined,
  run: () => FhirResult | Promise<FhirResult>,
  res: Response,
  options: PipelineOptions,
): Promise<FhirResult | 'dropped'> {
  if (!decision) return run();
  const { action } = decision;
  let result: FhirResult | undefined;
  if (decision.after) {
    try {
      result = await run();
    } catch (error) {
      result = errorResult(core, error, []);
    }
  }
  if (decision.delayMs > 0) await sleep(decision.delayMs, options.shutdown);
  switch (action.kind) {
    case 'error':
      return faultErrorResult(core, action);
    case 'drop':
      dropConnection(res, action.mode, options.hung);
      return 'dropped';
    case 'empty-bundle':
      // "No slots offered": the search answers as if nothing were free.
      return { status: 200, resource: searchset([]) };
    case 'steal':
      if (!decision.after) await stealFirstSlot(core, world, call);
      return result ?? run();
    default:
      return result ?? run();
  }
}

function faultErrorResult(
  core: SandboxCore,
  action: Extract<FaultDecision['action'], { kind: 'error' }>,
): FhirResult {
  if (action.ssp) {
    return { status: action.status, resource: sspErrorBody(action.status, action.diagnostics) };
  }
  const code = action.code as SpineCode;
  const status = action.status ?? statusFor(core.profile, code);
  return {
    status,
    resource: operationOutcome(
      code,
      action.diagnostics ?? `Fault injected by the sandbox: ${code}`,
      action.display,
    ),
  };
}

/** A simulated competing consumer books the request's first slot just before it runs. */
async function stealFirstSlot(core: SandboxCore, world: World, call: FhirCall): Promise<void> {
  const subject = faultSubject(call, '/Appointment');
  const slotId = subject.slotIds?.[0];
  const slot = slotId ? core.calendar.get(slotId) : undefined;
  if (!slot || !world.state.isFree(slot.id)) return;
  const schedule = core.directory.schedules.get(slot.scheduleId)!;
  const competitor =
    core.seed.patients.find((p) => p.id !== subject.patientId && p.active && !p.magic) ??
    core.seed.patients[0]!;
  const ctx = {
    profile: core.profile,
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
  await core.persist(world);
}

function errorResult(core: SandboxCore, error: unknown, problems: string[]): FhirResult {
  if (error instanceof SpineError) {
    problems.push(error.diagnostics);
    const status = error.status ?? statusFor(core.profile, error.code);
    return { status, resource: operationOutcome(error.code, error.diagnostics), headers: error.headers };
  }
  core.config.log?.('error', `unexpected error: ${(error as Error)?.stack ?? String(error)}`);
  const diagnostics = 'The sandbox failed unexpectedly while handling this request; the error is in its log.';
  problems.push(diagnostics);
  return { status: 500, resource: operationOutcome('INTERNAL_SERVER_ERROR', diagnostics) };
}
