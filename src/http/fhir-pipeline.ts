import type { TLSSocket } from 'node:tls';
import type { Request, RequestHandler } from 'express';
import { checkEnvelope } from '../auth/envelope.js';
import { negotiateResponseFormat } from '../fhir/format.js';
import { SpineError } from '../fhir/operation-outcome.js';
import type { SandboxCore } from '../sandbox/core.js';
import { truncateBody } from '../sandbox/journal.js';
import { Sessions } from '../sandbox/sessions.js';
import type { World } from '../sandbox/world.js';
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
      // A session is made only by a request that is accepted (routed and, in strict mode, past
      // the envelope): until then a refused request is journaled in its session if that exists,
      // else in the default state's journal (so it can still be found).
      const session = headerValue(req, 'x-sandbox-session');
      if (session !== undefined) Sessions.checkId(session);
      const existing = session === undefined ? core.defaultWorld : core.sessions.peek(session);
      world = existing ?? core.defaultWorld;
      let traceId: string | undefined;
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
        // A session that does not exist yet meets the scenario's rules, as it would once made
        // (never the default state's armed ones).
        const faults = existing?.faults ?? core.scenarioFaults();
        const decision = capHeld(
          core,
          faults.select({ method: req.method, path, interaction, headers: req.headers }),
          options.hung,
          problems,
        );
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
        world = core.world(session);
        if (traceId !== undefined) world.traceIds.add(traceId);

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
        const useHeader = headerFaultAllowed(core, req, options.tokenThrottle, problems);
        const decision = capHeld(
          core,
          await selectFault(core, world, req, path, match.route.template, call, interaction, useHeader),
          options.hung,
          problems,
        );
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
        : sendFhir(
            res,
            result.status,
            result.minimal ? undefined : result.resource,
            format,
            result.headers,
            result.json,
          );
    const ms = Math.round((performance.now() - started) * 10) / 10;
    world.journal.add({
      timeMs: core.clock.now(),
      method: req.method,
      path: req.originalUrl,
      ...(interaction ? { interaction } : {}),
      status: result === 'dropped' ? 0 : result.status,
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
