import type { TLSSocket } from 'node:tls';
import type { Request, RequestHandler, Response } from 'express';
import type { Application } from '../application/application.js';
import { type Generation, RequestCancelled, stillCurrent } from '../application/generation.js';
import type { JournalRecord, PendingEntry } from '../application/journal.js';
import { truncateBody } from '../application/journal.js';
import { Sessions } from '../application/sessions.js';
import type { World } from '../application/world.js';
import { checkEnvelope, interactionMismatch } from '../auth/envelope.js';
import { resolveInteraction } from '../auth/interactions.js';
import { operationsOf } from '../faults/steps/scope.js';
import { FHIR_JSON, type FhirFormat, negotiateResponseFormat } from '../fhir/format.js';
import { operationOutcome, SpineError } from '../fhir/operation-outcome.js';
import { bracketedParameterWarnings, type QueryValues } from '../fhir/search-params.js';
import { readFhirBody } from './body.js';
import { errorResult } from './error-result.js';
import { capHeld, type FaultRunOptions, headerFaultAllowed, runWithFault, selectFault } from './fault-run.js';
import { matchRoute, supportedInteractions } from './fhir-routes.js';
import type { FhirCall, FhirResult } from './fhir-types.js';
import { sendFhir } from './send.js';
import type { TokenThrottle } from './token-throttle.js';

/** Strips the Spine Secure Proxy's prefix: /{ssp}/https://{provider}{base}/... (digest §1.1). */
const SSP_PREFIX = /^\/[^/]+\/https?:\/\/?[^/]+/;

/**
 * Every FHIR request goes through here: route, session, format, envelope, body, fault, handler,
 * response, journal. Handlers return results instead of writing, so a fault can replace a
 * response after the handler committed (`after: true`).
 */
export interface PipelineOptions extends FaultRunOptions {
  /** Wrong admin tokens per client address (X-Sandbox-Fault needs the token when one is set). */
  tokenThrottle: TokenThrottle;
}

export function fhirPipeline(core: Application, options: PipelineOptions): RequestHandler {
  const serve = async (req: Request, res: Response): Promise<void> => {
    const started = performance.now();
    const problems: string[] = [];
    let world: World = core.defaultWorld;
    let format: 'json' | 'xml' = 'json';
    let interaction: string | undefined;
    let faultName: string | undefined;
    let requestBody: string | undefined;
    let result: FhirResult | 'dropped';
    /** The journal entry of a request a fault holds, written when the fault is chosen. */
    let pending: PendingEntry | undefined;
    let generation: Generation = world.generation;
    /** What the journal holds of the request while it is in flight. */
    const arrival = (): JournalRecord => ({
      timeMs: core.clock.now(),
      method: req.method,
      path: req.originalUrl,
      ...(interaction ? { interaction } : {}),
      status: 'pending',
      ms: Math.round((performance.now() - started) * 10) / 10,
      problems: [...problems],
      ...(faultName ? { fault: faultName } : {}),
      request: {
        headers: req.headers,
        ...(requestBody !== undefined ? { body: truncateBody(requestBody) } : {}),
      },
      response: { headers: {} },
    });
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
      // The format first, so every later refusal (a session refused, too many sessions) is written
      // in the format the client asked for.
      const negotiated = negotiateResponseFormat({
        formatParam: req.query['_format'] as string | string[] | undefined,
        // Each Accept line as sent: a later line overrides an earlier one (fromAccept in format.ts).
        accept: req.headersDistinct['accept'] ?? req.headers.accept,
        contentType: req.headers['content-type'],
        rules: core.profile.responseFormats,
      });
      if ('error' in negotiated) throw new SpineError('BAD_REQUEST', negotiated.error, 415);
      format = negotiated.format;
      problems.push(...bracketedParameterWarnings(req.query as QueryValues));
      // A session is made only by a request that is accepted (routed and, in strict mode, past
      // the envelope): until then a refused request is journaled in its session if that exists,
      // else in the default state's journal (so it can still be found).
      const session = headerValue(req, 'x-sandbox-session');
      if (session !== undefined) Sessions.checkId(session);
      const existing = await core.peekWorld(session);
      world = existing ?? core.defaultWorld;
      generation = world.generation;
      let traceId: string | undefined;

      const match = matchRoute(req.method, path);
      if (!match || 'wrongMethod' in match) {
        const mismatch =
          core.config.auth !== 'off'
            ? interactionMismatch({ method: req.method, path, headers: req.headers })
            : undefined;
        const wrongMethod =
          match &&
          `${req.method} is not allowed on ${path}: use ${match.wrongMethod.map((r) => `${r.method} ${r.template} (${r.summary})`).join(' or ')}`;
        const refusal = mismatch
          ? new SpineError(
              'BAD_REQUEST',
              wrongMethod && !mismatch.pathFits
                ? `${mismatch.diagnostics}; ${wrongMethod}`
                : mismatch.diagnostics,
              400,
            )
          : wrongMethod
            ? new SpineError('BAD_REQUEST', wrongMethod, 400)
            : new SpineError(
                'NO_RECORD_FOUND',
                `${req.method} ${path} is not an interaction of this provider (paths are case-sensitive, with no trailing slash). Supported: ${supportedInteractions()}`,
                404,
              );
        // Faults model the network and the Spine proxy, which answer for paths this provider
        // does not serve too (the proxy's 415 for an interaction it does not route).
        interaction = headerValue(req, 'ssp-interactionid');
        // A session that does not exist yet meets the scenario's rules, as it would once made
        // (never the default state's armed ones).
        const faultRequest = { method: req.method, path, interaction, headers: req.headers };
        const decision = capHeld(
          core,
          existing
            ? // The rule's counters are committed (shared stores).
              await core.execute(existing, generation, () => existing.faults.select(faultRequest), {
                faultsOnly: true,
              })
            : core.scenarioFaults().select(faultRequest),
          options.hung,
          problems,
        );
        if (!decision) throw refusal;
        faultName = decision.name;
        pending = world.journal.begin(arrival());
        const call = emptyCall(core, world, req, format);
        result = await runWithFault(
          core,
          world,
          call,
          decision,
          () => Promise.reject(refusal),
          res,
          options,
          generation,
        );
      } else {
        if (core.config.auth !== 'off') {
          const envelope = checkEnvelope(
            { method: req.method, path, headers: req.headers },
            {
              providerAsid: core.config.providerAsid,
              nowSeconds: Math.floor(Date.now() / 1000),
              seenTraceIds: {
                has: (id) => existing?.traceIds.has(id) ?? false,
                add: (id) => {
                  traceId = id;
                },
              },
            },
          );
          interaction = envelope.interaction?.id;
          if (envelope.problems.length > 0) {
            if (core.config.auth === 'strict') {
              if (traceId !== undefined) existing?.traceIds.add(traceId);
              const first = envelope.problems[0]!;
              throw new SpineError(first.code, first.diagnostics, first.status);
            }
            problems.push(...envelope.problems.map((p) => p.diagnostics));
          }
          problems.push(...envelope.warnings);
        } else {
          interaction = headerValue(req, 'ssp-interactionid');
        }
        // The fault header's token is checked before the session is made: a request refused for it
        // (401, 403, 429) is refused like any other, and makes no session.
        const useHeader = headerFaultAllowed(core, req, options.tokenThrottle, problems);
        world = session === undefined ? world : await core.openWorld(session);
        generation = world.generation;
        if (traceId !== undefined) world.traceIds.add(traceId);

        let body: unknown;
        if (req.method === 'POST' || req.method === 'PUT') {
          const read = await readFhirBody(req, res, core.profile.requestContentTypes);
          body = read.value;
          requestBody = read.text;
          // A reset or import while the body arrived: it was admitted under the state replaced.
          stillCurrent(generation);
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
          format,
        };
        const chosenWorld = world;
        const decision = capHeld(
          core,
          // The rules' counters and draws are committed (shared stores).
          await core.execute(
            chosenWorld,
            generation,
            () =>
              selectFault(core, chosenWorld, req, path, match.route.template, call, interaction, useHeader),
            { faultsOnly: true },
          ),
          options.hung,
          problems,
        );
        faultName = decision?.name;
        if (decision) pending = world.journal.begin(arrival());
        result = await runWithFault(
          core,
          world,
          call,
          decision,
          () =>
            countBooking(
              core,
              req.method,
              req.method === 'GET' || req.method === 'HEAD'
                ? match.route.handler(call)
                : core.execute(call.world, generation, () => match.route.handler(call)),
            ),
          res,
          options,
          generation,
          operationsOf(req.method, match.route.template),
        );
      }
    } catch (error) {
      if (error instanceof RequestCancelled) {
        problems.push(error.message);
        res.destroy();
        result = 'dropped';
      } else {
        result = errorResult(core, error, problems);
      }
    }

    if (result !== 'dropped' && result.warnings) problems.push(...result.warnings);
    if (problems.length > 0 && result !== 'dropped') {
      result.headers = {
        ...result.headers,
        'X-Sandbox-Warning': asciiHeaderText(problems.join(' | ')).slice(0, 4000),
      };
    }
    // Written inside the boundary: an answer that cannot be written becomes a JSON 500 naming what.
    const responseBody =
      result === 'dropped'
        ? undefined
        : sendFhir(
            res,
            result.status,
            result.minimal ? undefined : result.resource,
            format,
            result.headers,
            result.rendered ??
              (format === 'json' && result.json !== undefined
                ? { body: result.json, contentType: FHIR_JSON }
                : undefined),
            (what, error) => {
              const reason = (error as Error)?.message ?? String(error);
              problems.push(`could not write ${what}: ${reason}`);
              core.config.log?.(
                'error',
                `could not write ${what} for ${req.method} ${req.originalUrl}: ${reason}`,
              );
            },
          );
    const status = result === 'dropped' ? 0 : res.statusCode;
    const ms = Math.round((performance.now() - started) * 10) / 10;
    const answered: JournalRecord = {
      timeMs: core.clock.now(),
      method: req.method,
      path: req.originalUrl,
      ...(interaction ? { interaction } : {}),
      status,
      ms,
      problems,
      ...(faultName ? { fault: faultName } : {}),
      request: {
        headers: req.headers,
        ...(requestBody !== undefined ? { body: truncateBody(requestBody) } : {}),
      },
      response: {
        headers: result === 'dropped' ? {} : res.getHeaders(),
        ...(responseBody !== undefined ? { body: truncateBody(responseBody) } : {}),
      },
    };
    if (pending) pending.complete(answered);
    else world.journal.add(answered);
    core.tallies.request(
      interaction === undefined ? undefined : resolveInteraction(interaction)?.name,
      result === 'dropped' ? 0 : result.status,
      faultName,
    );
    core.config.log?.(
      'info',
      `${req.method} ${req.originalUrl} ${result === 'dropped' ? 'dropped' : status} ${ms}ms`,
      {
        method: req.method,
        path: req.originalUrl,
        status,
        ms,
        ...(faultName ? { fault: faultName } : {}),
        ...(world.id ? { session: world.id } : {}),
      },
    );
  };
  return async (req, res) => {
    try {
      await serve(req, res);
    } catch (error) {
      lastResort(core, res, error);
    }
  };
}

/**
 * The last resort for a FHIR request: whatever escaped the pipeline is logged and answered as a
 * JSON 500 OperationOutcome (or the connection is cut when an answer was already under way), and
 * the server keeps serving.
 */
function lastResort(core: Application, res: Response, error: unknown): void {
  try {
    core.config.log?.('error', `unexpected error: ${(error as Error)?.stack ?? String(error)}`);
    sendFhir(
      res,
      500,
      operationOutcome('INTERNAL_SERVER_ERROR', 'The sandbox failed unexpectedly; the error is in its log.'),
      'json',
    );
  } catch {
    res.destroy();
  }
}

/** A 201 to a POST is a booking committed (the only create this provider serves). */
async function countBooking(
  core: Application,
  method: string,
  pending: FhirResult | Promise<FhirResult>,
): Promise<FhirResult> {
  const result = await pending;
  if (method === 'POST' && result.status === 201) core.tallies.booked();
  return result;
}

/** A call for a request no route serves: only faults look at it. */
function emptyCall(core: Application, world: World, req: Request, format: FhirFormat): FhirCall {
  return {
    core,
    world,
    params: [],
    query: req.query as FhirCall['query'],
    body: undefined,
    headers: req.headers,
    nowMs: core.clock.now(),
    fhirBaseUrl: fhirBaseUrl(core, req),
    format,
  };
}

/**
 * A request path (as the app sees it) relative to the FHIR base path, in the direct or the Spine
 * proxy's URL form; undefined when it lies outside the base path.
 */
export function fhirRelativePath(path: string, basePath: string): string | undefined {
  if (SSP_PREFIX.test(path)) return stripSspPrefix(path, basePath);
  if (!basePath) return path;
  if (path === basePath) return '/';
  return path.startsWith(`${basePath}/`) ? path.slice(basePath.length) : undefined;
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

/**
 * The FHIR base for Location headers: --public-url, else the request's Host, else (HTTP/1.0
 * without Host) the address and port the request actually arrived on, never the configured
 * port (0 means "any free one").
 */
function fhirBaseUrl(core: Application, req: Request): string {
  const origin =
    core.config.publicUrl?.replace(/\/$/, '') ?? `${req.protocol}://${req.get('host') ?? arrivalHost(req)}`;
  return `${origin}${core.config.basePath}`;
}

/** host:port of the socket's local end; IPv6 in brackets, IPv4-mapped IPv6 as plain IPv4. */
function arrivalHost(req: Request): string {
  const address = (req.socket.localAddress ?? '127.0.0.1').replace(/^::ffff:(?=\d+\.)/, '');
  return `${address.includes(':') ? `[${address}]` : address}:${req.socket.localPort}`;
}

/** Header values are ASCII: the few non-ASCII signs our sentences use are spelled out, the rest shown as ?. */
const ASCII_SPELLINGS: Record<string, string> = {
  '±': '+/-',
  '…': '...',
  '–': '-',
  '—': '-',
  '‘': "'",
  '’': "'",
  '“': '"',
  '”': '"',
  '×': 'x',
  '≤': '<=',
  '≥': '>=',
};

function asciiHeaderText(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, (c) => ASCII_SPELLINGS[c] ?? '?');
}
