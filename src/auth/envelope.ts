/**
 * The GP Connect security envelope check: Ssp-* headers (digest §5.2) and the unsigned JWT in
 * Authorization (digest §5.3). Pure: no express, no clock of its own. It never throws for bad
 * input; it lists every problem, most fundamental first (headers, then the token's structure, then
 * its claims), so strict mode can refuse with the first and lenient mode can report them all.
 */
import { createRequire } from 'node:module';
import type jwt from 'jsonwebtoken';
import type { Jwt } from 'jsonwebtoken';
import { truncateChars } from '../domain/text.js';
import { isObject, type Json } from '../fhir/json-shape.js';
import type { SpineCode } from '../fhir/operation-outcome.js';
import { SPINE_ERRORS } from '../fhir/operation-outcome.js';
import { pathFits } from '../fhir/operations.js';
import { resourceElements } from '../fhir/stu3/resource-elements.js';
import type { Interaction } from './interactions.js';
import { interactionsFor, resolveInteraction, SCOPES } from './interactions.js';

/** Only jsonwebtoken's decoder: its signing half costs start-up time a provider never needs. */
const decodeJwt = createRequire(import.meta.url)('jsonwebtoken/decode') as typeof jwt.decode;

export type HeaderValue = string | string[] | undefined;

export interface EnvelopeRequest {
  method: string;
  /** Relative to the FHIR base path. */
  path: string;
  /** Lower-case header names, as Node delivers them. */
  headers: Record<string, HeaderValue>;
}

/** Remembers Ssp-TraceIDs already seen; a `Set<string>` will do, or something bounded. */
export interface TraceIdMemory {
  has(id: string): boolean;
  add(id: string): void;
}

export interface EnvelopeOptions {
  providerAsid: string;
  /** Real time in epoch seconds: JWT exp is never checked against the sandbox clock (PRODUCT.md). */
  nowSeconds: number;
  seenTraceIds?: TraceIdMemory;
}

export type EnvelopeCode = Extract<SpineCode, 'BAD_REQUEST' | 'INVALID_RESOURCE'>;

export interface EnvelopeProblem {
  code: EnvelopeCode;
  status: number;
  /** The header or claim at fault, e.g. `Ssp-To`, `jwt.exp`, `jwt.requesting_device.model`. */
  field: string;
  diagnostics: string;
}

export interface EnvelopeResult {
  /**
   * The interaction the request is for: the Ssp-InteractionID's when it is known and fits the method
   * and path, otherwise the only interaction that serves the method and path (absent when none does,
   * or when PUT /Appointment/{id} has no usable Ssp-InteractionID to tell amend from cancel).
   */
  interaction?: Interaction;
  problems: EnvelopeProblem[];
  warnings: string[];
}

const ODS_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';
const SDS_USER_SYSTEM = 'https://fhir.nhs.uk/Id/sds-user-id';
const SDS_ROLE_PROFILE_SYSTEM = 'https://fhir.nhs.uk/Id/sds-role-profile-id';
const TOKEN_LIFETIME_SECONDS = 300;
const ASID = /^\d{12}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

const ABSOLUTE_URL = /^https?:\/\/[^/\s]/i;
/** ODS organisation and site codes: letters and digits, e.g. A11111, RNR01, Y75110. */
const ODS_CODE = /^[A-Za-z0-9]{3,10}$/;

/**
 * A variable's name rather than a value, as Postman examples leave them when an environment is
 * not set up: `providerURL_1_x_x`, `requesting_organization_ODS_Code` (words joined by `_`).
 */
function looksLikeName(v: string): boolean {
  return /^[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+$/.test(v);
}

/** Values left from a copied example: `{{consumerASID}}`, `<ODS>`, `[ODS]`, `REPLACE_ME`, `XXXX`. */
function isPlaceholder(v: string): boolean {
  if (/\{\{|\}\}|[<>]|REPLACE|XXXX/i.test(v)) return true;
  // Brackets, unless they hold an IPv6 host in a URL (aud `http://[::1]:4000`).
  return /[[\]]/.test(v) && !/\[[0-9a-f.]*:[0-9a-f:.]*\]/i.test(v);
}

function show(v: string): string {
  return JSON.stringify(truncateChars(v, 80));
}

/** A received JSON value in a sentence; never serialises objects (they may be deeply nested). */
function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'string':
      return `a string ${show(v)}`;
    case 'number':
    case 'boolean':
      return `${typeof v} ${v}`;
    case 'object':
      return 'an object';
    default:
      return typeof v;
  }
}

/** A JSON value that should have been a string, quoted if it is one. */
function quote(v: unknown): string {
  if (v === undefined) return 'nothing';
  return typeof v === 'string' ? show(v) : describe(v);
}

function pattern(method: string, path: string, candidates: readonly Interaction[]): string {
  const p = path.split('?')[0]!;
  return `${method.toUpperCase()} ${candidates[0]?.paths.find((t) => pathFits(t, p)) ?? p}`;
}

class Findings {
  readonly problems: EnvelopeProblem[] = [];
  readonly warnings: string[] = [];

  bad(field: string, diagnostics: string): void {
    this.add('BAD_REQUEST', field, diagnostics);
  }

  invalid(field: string, diagnostics: string): void {
    this.add('INVALID_RESOURCE', field, diagnostics);
  }

  private add(code: EnvelopeCode, field: string, diagnostics: string): void {
    this.problems.push({ code, status: SPINE_ERRORS[code].httpStatus, field, diagnostics });
  }
}

export function checkEnvelope(req: EnvelopeRequest, opts: EnvelopeOptions): EnvelopeResult {
  const out = new Findings();
  const candidates = interactionsFor(req.method, req.path);
  const named = checkSspHeaders(req, opts, candidates, out);
  const interaction = named ?? (candidates.length === 1 ? candidates[0] : undefined);
  const claims = readToken(req.headers, out);
  if (claims) {
    checkClaims(claims, { req, candidates: named ? [named] : candidates, now: opts.nowSeconds }, out);
  }
  const result: EnvelopeResult = { problems: out.problems, warnings: out.warnings };
  if (interaction) result.interaction = interaction;
  return result;
}

/** A request that does not fit the interaction its Ssp-InteractionID names. */
export interface InteractionMismatch extends EnvelopeProblem {
  /** The path fits the named interaction; only the method does not. */
  pathFits: boolean;
}

/**
 * A request whose method and path no served operation fits, sent with an Ssp-InteractionID that
 * names a GP Connect interaction: the 400 BAD_REQUEST naming the mismatch (or undefined when the
 * header names no known interaction, and the path is simply unknown).
 *
 * The spec's error handling page is silent on paths that fit no interaction; the provider suite
 * expects a failure with an OperationOutcome for them (Http.feature "Http GET from invalid
 * endpoint", "Http POST to invalid endpoint", "Http incorrect case on url fhir resource";
 * AppointmentBook.feature "Book Appointment with invalid url for booking appointment") and 400
 * BAD_REQUEST when the request does not fit its Ssp-InteractionID (LocationRead.feature "Location
 * read invalid response check caching headers exist", and the same scenario for Organization,
 * Practitioner and Appointment retrieve), so the sandbox answers the latter for both.
 */
export function interactionMismatch(req: EnvelopeRequest): InteractionMismatch | undefined {
  const raw = req.headers['ssp-interactionid'];
  const id = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  const named = id === undefined ? undefined : resolveInteraction(id);
  if (!named || interactionsFor(req.method, req.path).includes(named)) return undefined;
  const method = req.method.toUpperCase();
  const path = req.path.split('?')[0]!;
  const fits = named.paths.map((p) => `${named.method} ${p}`).join(' or ');
  const hints: string[] = [];
  if (path.length > 1 && path.endsWith('/')) hints.push('paths have no trailing slash');
  const lower = path.toLowerCase();
  if (named.paths.some((p) => p.toLowerCase() === lower) && !named.paths.includes(path)) {
    hints.push('paths are case-sensitive');
  }
  const fitsPath = named.paths.some((p) => pathFits(p, path));
  if (method !== named.method && fitsPath) hints.push(`${named.operation} uses ${named.method}`);
  return {
    pathFits: fitsPath,
    code: 'BAD_REQUEST',
    status: SPINE_ERRORS.BAD_REQUEST.httpStatus,
    field: 'Ssp-InteractionID',
    diagnostics: `${method} ${path} does not fit Ssp-InteractionID ${named.id}, which is ${fits} (${named.operation})${hints.length > 0 ? `: ${hints.join('; ')}` : ''}`,
  };
}

// ── Headers ────────────────────────────────────────────────────────────────────────────────────

/**
 * The header's one value, or undefined after reporting it missing, blank, repeated, with stray
 * whitespace, or (unless `placeholders` is false) a placeholder.
 */
function readHeader(
  headers: Record<string, HeaderValue>,
  name: string,
  expected: string,
  out: Findings,
  placeholders = true,
): string | undefined {
  let raw = headers[name.toLowerCase()];
  if (Array.isArray(raw)) {
    if (raw.length > 1) {
      out.bad(name, `${name} was sent ${raw.length} times: send it once, with ${expected}`);
      return undefined;
    }
    raw = raw[0];
  }
  if (raw === undefined || raw.trim() === '') {
    out.bad(name, `${name} is ${raw === undefined ? 'missing' : 'blank'}: expected ${expected}`);
    return undefined;
  }
  if (raw !== raw.trim()) {
    const where = raw.trimEnd() !== raw ? 'trailing' : 'leading';
    out.bad(name, `${name} ${show(raw)} has ${where} whitespace: send exactly ${show(raw.trim())}`);
    return undefined;
  }
  if (placeholders && isPlaceholder(raw)) {
    out.bad(name, `${name} ${show(raw)} looks like a placeholder left from an example: expected ${expected}`);
    return undefined;
  }
  return raw;
}

/** Checks the Ssp-* headers; returns the Ssp-InteractionID's interaction when it fits the request. */
function checkSspHeaders(
  req: EnvelopeRequest,
  opts: EnvelopeOptions,
  candidates: readonly Interaction[],
  out: Findings,
): Interaction | undefined {
  const { headers } = req;

  const traceId = readHeader(headers, 'Ssp-TraceID', 'a new UUID for every request', out);
  if (traceId !== undefined) {
    if (!UUID.test(traceId)) {
      out.warnings.push(
        `Ssp-TraceID ${show(traceId)} is not a UUID: the SSP sends a new GUID for every request`,
      );
    }
    if (opts.seenTraceIds?.has(traceId)) {
      out.warnings.push(
        `Ssp-TraceID ${show(traceId)} was already used by an earlier request: send a new UUID for every request`,
      );
    }
    opts.seenTraceIds?.add(traceId);
  }

  const from = readHeader(headers, 'Ssp-From', "the consumer system's ASID (12 digits)", out);
  if (from !== undefined) {
    if (!ASID.test(from)) {
      out.warnings.push(`Ssp-From ${show(from)} is not an ASID: ASIDs are 12 digits, e.g. 200000000359`);
    } else if (from === opts.providerAsid) {
      out.warnings.push(
        `Ssp-From ${from} is this provider's ASID: Ssp-From carries the consumer's ASID, Ssp-To the provider's`,
      );
    }
  }

  const to = readHeader(headers, 'Ssp-To', `this provider's ASID ${opts.providerAsid}`, out);
  if (to !== undefined && to !== opts.providerAsid) {
    const swapped = from === opts.providerAsid ? ' (Ssp-From and Ssp-To look swapped)' : '';
    out.bad('Ssp-To', `Ssp-To ${show(to)} must be this provider's ASID ${opts.providerAsid}${swapped}`);
  }

  const where = pattern(req.method, req.path, candidates);
  const expected =
    candidates.length === 0
      ? `a GP Connect interaction URN, but no interaction serves ${where}`
      : `${candidates.map((c) => c.id).join(' or ')} for ${where}`;
  const id = readHeader(headers, 'Ssp-InteractionID', expected, out);
  if (id === undefined) return undefined;

  const named = resolveInteraction(id);
  if (named === undefined || named.id !== id) {
    out.bad('Ssp-InteractionID', unknownInteraction(id, named, expected));
    return undefined;
  }
  if (!candidates.includes(named)) {
    const want =
      candidates.length === 0
        ? `no GP Connect interaction serves ${where}; ${named.id} is for ${named.method} ${named.paths.join(' or ')}`
        : `expected ${candidates.map((c) => `${c.id} (${c.operation})`).join(' or ')}`;
    out.bad('Ssp-InteractionID', `Ssp-InteractionID ${named.id} does not match ${where}; ${want}`);
    return undefined;
  }
  return named;
}

function unknownInteraction(id: string, shortForm: Interaction | undefined, expected: string): string {
  if (shortForm) {
    return `Ssp-InteractionID ${show(id)} is not a full interaction URN: send ${shortForm.id}`;
  }
  const near = resolveInteraction(id.toLowerCase()) ?? resolveInteraction(`${id}-1`);
  const hint = near ? `; did you mean ${near.id}?` : '';
  return `Ssp-InteractionID ${show(id)} is not a GP Connect interaction: expected ${expected}${hint}`;
}

// ── Token ──────────────────────────────────────────────────────────────────────────────────────

function base64urlProblem(part: string, name: 'header' | 'payload', out: Findings): boolean {
  const field = `jwt.${name}`;
  if (part === '') {
    out.bad(field, `JWT ${name} is empty: expected base64url-encoded JSON`);
  } else if (part.includes('=')) {
    out.bad(field, `JWT ${name} is padded with '=': GP Connect tokens use base64url without padding`);
  } else if (/[+/]/.test(part)) {
    out.bad(field, `JWT ${name} contains '+' or '/': encode with base64url ('-' and '_'), not base64`);
  } else if (!BASE64URL.test(part)) {
    out.bad(field, `JWT ${name} contains characters outside base64url (A-Z, a-z, 0-9, '-', '_')`);
  } else {
    return false;
  }
  return true;
}

function parsePart(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Reads `Authorization: Bearer <jwt>` down to its claims object; undefined after reporting why not. */
function readToken(headers: Record<string, HeaderValue>, out: Findings): Json | undefined {
  const expected = "'Bearer ' and an unsigned GP Connect JWT";
  // Not the general placeholder test: base64url text can hold "XXXX" by chance.
  const auth = readHeader(headers, 'Authorization', expected, out, false);
  if (auth === undefined) return undefined;
  if (/\{\{|\}\}|[<>[\]]/.test(auth)) {
    out.bad(
      'Authorization',
      `Authorization ${show(auth)} looks like a placeholder left from an example: expected ${expected}`,
    );
    return undefined;
  }

  const space = auth.indexOf(' ');
  const scheme = space === -1 ? '' : auth.slice(0, space);
  if (scheme.toLowerCase() !== 'bearer') {
    const got =
      space === -1
        ? 'a value without the Bearer scheme'
        : `the ${show(truncateChars(scheme, 20, ''))} scheme`;
    out.bad(
      'Authorization',
      `Authorization must be 'Bearer <token>' with an unsigned GP Connect JWT; got ${got}`,
    );
    return undefined;
  }
  const token = auth.slice(space + 1).trim();
  const parts = token.split('.');
  if (parts.length !== 3) {
    const hint = parts.length === 2 ? ": an unsigned token still ends with '.' (header.payload.)" : '';
    out.bad(
      'Authorization',
      `JWT must have 3 dot-separated parts, header.payload.signature with the signature empty; got ${parts.length}${hint}`,
    );
    return undefined;
  }
  const [h, p, signature] = parts as [string, string, string];
  if (base64urlProblem(h, 'header', out) || base64urlProblem(p, 'payload', out)) return undefined;

  // The signature was split off above; decode the rest so a malformed signature cannot hide the claims.
  let decoded: Jwt | null;
  try {
    decoded = decodeJwt(`${h}.${p}.`, { complete: true });
  } catch {
    decoded = null;
  }
  const header: unknown = decoded ? decoded.header : parsePart(h);
  if (!isObject(header)) {
    out.bad('jwt.header', `JWT header must be base64url-encoded JSON {"alg":"none","typ":"JWT"}`);
    return undefined;
  }
  checkTokenHeader(header, signature, out);

  const payload: unknown = decoded?.payload;
  if (!isObject(payload)) {
    out.bad('jwt.payload', 'JWT payload must be base64url-encoded JSON: an object holding the claims');
    return undefined;
  }
  return payload;
}

function checkTokenHeader(header: Json, signature: string, out: Findings): void {
  const { alg, typ } = header;
  if (alg !== 'none' || signature !== '') {
    const got = `got alg ${quote(alg)}${signature ? ' and a signature' : ''}`;
    out.bad(
      alg !== 'none' ? 'jwt.alg' : 'jwt.signature',
      `GP Connect tokens are unsigned: alg must be none with an empty signature (token ends with '.'); ${got}`,
    );
  } else {
    const extra = Object.keys(header).filter((k) => k !== 'alg' && k !== 'typ');
    if (extra.length > 0) {
      out.bad(
        'jwt.header',
        `JWT header has unexpected ${extra.map((k) => show(k)).join(', ')}: expected exactly {"alg":"none","typ":"JWT"}`,
      );
    }
  }
  if (typ !== 'JWT') {
    out.bad('jwt.typ', `JWT header typ must be "JWT", got ${quote(typ)}`);
  }
}

// ── Claims ─────────────────────────────────────────────────────────────────────────────────────

interface ClaimContext {
  req: EnvelopeRequest;
  /** The interactions the request may be; their scope is the one requested_scope must name. */
  candidates: readonly Interaction[];
  now: number;
}

/** `obj[key]` at `path` (e.g. `requesting_device.model`) as a usable string, or undefined after reporting. */
function str(obj: Json, key: string, path: string, expected: string, out: Findings): string | undefined {
  const v = obj[key];
  const field = `jwt.${path}`;
  if (v === undefined || v === null) {
    out.bad(field, `JWT ${path} is ${v === null ? 'null' : 'missing'}: expected ${expected}`);
  } else if (typeof v !== 'string') {
    out.bad(field, `JWT ${path} must be ${expected}, got ${describe(v)}`);
  } else if (v.trim() === '') {
    out.bad(field, `JWT ${path} is blank: expected ${expected}`);
  } else if (isPlaceholder(v)) {
    out.bad(
      field,
      `JWT ${path} ${show(v)} looks like a placeholder left from an example: expected ${expected}`,
    );
  } else {
    return v;
  }
  return undefined;
}

function integer(claims: Json, key: 'exp' | 'iat', out: Findings): number | undefined {
  const v = claims[key];
  const expected = 'an integer number of seconds since 1970 (a JSON number)';
  if (v === undefined || v === null) {
    out.bad(`jwt.${key}`, `JWT ${key} is ${v === null ? 'null' : 'missing'}: expected ${expected}`);
  } else if (typeof v !== 'number' || !Number.isInteger(v)) {
    out.bad(`jwt.${key}`, `JWT ${key} must be ${expected}, got ${describe(v)}`);
  } else {
    return v;
  }
  return undefined;
}

/** The first element of an array element such as `identifier` or `name`, or undefined after reporting. */
function array(obj: Json, key: string, path: string, expected: string, out: Findings): unknown[] | undefined {
  const v = obj[key];
  const field = `jwt.${path}`;
  if (v === undefined || v === null) {
    out.bad(field, `JWT ${path} is ${v === null ? 'null' : 'missing'}: expected ${expected}`);
  } else if (!Array.isArray(v)) {
    out.bad(field, `JWT ${path} must be ${expected}, got ${describe(v)}`);
  } else if (v.length === 0) {
    out.bad(field, `JWT ${path} is empty: expected ${expected}`);
  } else {
    return v;
  }
  return undefined;
}

/** `items[0]` when it is an object (an Identifier, a HumanName...), or undefined after reporting. */
function firstObject(items: unknown[], path: string, expected: string, out: Findings): Json | undefined {
  const first = items[0];
  if (isObject(first)) return first;
  out.bad(`jwt.${path}[0]`, `JWT ${path}[0] must be ${expected}, got ${describe(first)}`);
  return undefined;
}

function epoch(seconds: number): string {
  return Math.abs(seconds) < 8.64e12 ? ` (${new Date(seconds * 1000).toISOString()})` : '';
}

function checkClaims(claims: Json, ctx: ClaimContext, out: Findings): void {
  str(claims, 'iss', 'iss', "the consumer system's URL", out);
  const sub = str(claims, 'sub', 'sub', "the requesting user's id, equal to requesting_practitioner.id", out);
  const aud = str(claims, 'aud', 'aud', "the provider's service root URL (a string)", out);
  if (aud !== undefined && !ABSOLUTE_URL.test(aud)) {
    out.warnings.push(
      `JWT aud ${show(aud)} is not a URL${looksLikeName(aud) ? ' (it looks like a placeholder left from a Postman example)' : ''}: aud is the provider's service root URL, its FHIR base, e.g. https://provider.example.nhs.uk/A20047/STU3/1/gpconnect`,
    );
  }

  const exp = integer(claims, 'exp', out);
  const iat = integer(claims, 'iat', out);
  if (exp !== undefined && iat !== undefined && exp - iat !== TOKEN_LIFETIME_SECONDS) {
    out.bad('jwt.exp', `JWT exp - iat must be ${TOKEN_LIFETIME_SECONDS} seconds, got ${exp - iat}`);
  }
  // iat is deliberately not compared with now: a consumer clock ahead of ours is accepted (#640).
  if (exp !== undefined && exp <= ctx.now) {
    out.bad(
      'jwt.exp',
      `JWT exp ${exp}${epoch(exp)} has passed: the token expired ${ctx.now - exp} s ago (real time, not the ` +
        'sandbox clock); make a new token for every request',
    );
  }

  const reason = str(claims, 'reason_for_request', 'reason_for_request', '"directcare"', out);
  if (reason !== undefined && reason !== 'directcare') {
    out.bad('jwt.reason_for_request', `JWT reason_for_request must be "directcare", got ${show(reason)}`);
  }

  checkScope(claims, ctx, out);
  checkDevice(claims, out);
  checkOrganization(claims, out);
  const practitionerId = checkPractitioner(claims, out);
  if (sub !== undefined && practitionerId !== undefined && sub !== practitionerId) {
    out.bad('jwt.sub', `JWT sub ${show(sub)} must equal requesting_practitioner.id ${show(practitionerId)}`);
  }

  if (Object.hasOwn(claims, 'requested_record')) {
    out.bad(
      'jwt.requested_record',
      'JWT requested_record must be absent: the claim was removed in GP Connect 1.1.0',
    );
  }
}

function checkScope(claims: Json, ctx: ClaimContext, out: Findings): void {
  const scope = str(claims, 'requested_scope', 'requested_scope', `one of ${SCOPES.join(', ')}`, out);
  if (scope === undefined) return;
  if (!(SCOPES as readonly string[]).includes(scope)) {
    out.bad(
      'jwt.requested_scope',
      `JWT requested_scope must be one of ${SCOPES.join(', ')}; got ${show(scope)}`,
    );
    return;
  }
  const { candidates, req } = ctx;
  const first = candidates[0];
  if (first !== undefined && !candidates.some((c) => c.scope === scope)) {
    const operation = candidates.map((c) => c.operation).join(' or ');
    out.bad(
      'jwt.requested_scope',
      `JWT requested_scope ${scope} cannot be used for ${pattern(req.method, req.path, candidates)} ` +
        `(${operation}): use ${first.scope}`,
    );
  }
}

/**
 * The claim as a resource of `type` for further checks, or undefined after reporting. A JSON object
 * that is not a valid `type` (resourceType, unknown element) is 422 INVALID_RESOURCE (digest §5.3).
 */
function resource(
  claims: Json,
  key: string,
  type: 'Device' | 'Organization' | 'Practitioner',
  out: Findings,
): Json | undefined {
  const v = claims[key];
  const field = `jwt.${key}`;
  if (v === undefined || v === null) {
    out.bad(field, `JWT ${key} is ${v === null ? 'null' : 'missing'}: expected a FHIR STU3 ${type} resource`);
    return undefined;
  }
  if (!isObject(v)) {
    out.bad(field, `JWT ${key} must be a FHIR STU3 ${type} resource (a JSON object), got ${describe(v)}`);
    return undefined;
  }
  if (v.resourceType !== type) {
    out.invalid(
      `${field}.resourceType`,
      `JWT ${key}.resourceType must be "${type}", got ${quote(v.resourceType)}`,
    );
    return undefined;
  }
  // Digest §5.3: PTS "Requesting Device - invalid" expects 422 for an element unknown to the type.
  const allowed = resourceElements(type);
  // `_model` carries a primitive element's id/extensions in FHIR JSON.
  const unknown = Object.keys(v).filter((k) => !allowed.has(k.startsWith('_') ? k.slice(1) : k));
  if (unknown.length > 0) {
    const list = unknown.slice(0, 5).map((k) => show(k));
    out.invalid(field, `JWT ${key} is not a valid STU3 ${type}: unknown element ${list.join(', ')}`);
  }
  return v;
}

function checkDevice(claims: Json, out: Findings): void {
  const device = resource(claims, 'requesting_device', 'Device', out);
  if (!device) return;
  const ids = array(device, 'identifier', 'requesting_device.identifier', 'an array of Identifier', out);
  const first = ids && firstObject(ids, 'requesting_device.identifier', 'an Identifier {system, value}', out);
  if (first) {
    const path = 'requesting_device.identifier[0]';
    const system = str(
      first,
      'system',
      `${path}.system`,
      "the consumer system's identifier system (a URI)",
      out,
    );
    if (system !== undefined && !ABSOLUTE_URL.test(system) && !system.startsWith('urn:')) {
      out.warnings.push(
        `JWT ${path}.system ${show(system)} is not a URL${looksLikeName(system) ? ' (it looks like a placeholder left from a Postman example)' : ''}: an identifier system is a URI naming the consumer's identifier namespace, e.g. https://consumer.example.nhs.uk/Id/device-id`,
      );
    }
    str(first, 'value', `${path}.value`, "the consumer system's identifier", out);
  }
  str(device, 'model', 'requesting_device.model', "the consumer system's name (a string)", out);
  str(
    device,
    'version',
    'requesting_device.version',
    "the consumer system's version (a string in STU3)",
    out,
  );
}

/** The index of the identifier with `system`, or -1 after reporting which systems were sent instead. */
function identifierWith(
  ids: unknown[],
  system: string,
  path: string,
  expected: string,
  hints: Record<string, string>,
  out: Findings,
): number {
  const index = ids.findIndex((id) => isObject(id) && id.system === system);
  if (index !== -1) return index;
  const sent = ids.flatMap((id) => (isObject(id) && typeof id.system === 'string' ? [id.system] : []));
  const hint = sent.map((s) => hints[s]).find((h) => h !== undefined);
  const found = sent.length > 0 ? `; found ${sent.map((s) => show(s)).join(', ')}` : '';
  out.bad(
    `jwt.${path}`,
    `JWT ${path} has no identifier with system ${system}: expected ${expected}${found}${hint ? ` (${hint})` : ''}`,
  );
  return -1;
}

function checkOrganization(claims: Json, out: Findings): void {
  const org = resource(claims, 'requesting_organization', 'Organization', out);
  if (!org) return;
  str(org, 'name', 'requesting_organization.name', "the requesting organisation's name", out);
  const path = 'requesting_organization.identifier';
  const ids = array(org, 'identifier', path, `an array of Identifier including ${ODS_SYSTEM}`, out);
  if (!ids) return;
  const index = identifierWith(
    ids,
    ODS_SYSTEM,
    path,
    "the requesting organisation's ODS code",
    {
      'http://fhir.nhs.net/Id/ods-organization-code': `that is the DSTU2 system; STU3 uses ${ODS_SYSTEM}`,
      'https://fhir.nhs.uk/Id/ods-site-code': `a site code is not the organisation's; use ${ODS_SYSTEM}`,
    },
    out,
  );
  if (index !== -1) {
    const ods = str(
      ids[index] as Json,
      'value',
      `${path}[${index}].value`,
      "the requesting organisation's ODS code",
      out,
    );
    if (ods !== undefined && !ODS_CODE.test(ods)) {
      out.warnings.push(
        `JWT ${path}[${index}].value ${show(ods)} is not an ODS code${looksLikeName(ods) ? ' (it looks like a placeholder left from a Postman example)' : ''}: send the requesting organisation's ODS code, 3 to 10 letters and digits, e.g. A11111`,
      );
    }
  }
}

const WRONG_SDS_SYSTEMS: Record<string, string> = {
  'http://fhir.nhs.net/sds-user-id': `that is the DSTU2 system; STU3 uses ${SDS_USER_SYSTEM}`,
  'http://fhir.nhs.net/Id/sds-user-id': `that is the DSTU2 system; STU3 uses ${SDS_USER_SYSTEM}`,
  'https://fhir.nhs.uk/Id/sds-user-id/': 'drop the trailing slash',
  [SDS_ROLE_PROFILE_SYSTEM]: `the role profile id is optional, but the SDS user id must be sent under ${SDS_USER_SYSTEM}`,
};

/** Returns requesting_practitioner.id when usable, for the sub comparison. */
function checkPractitioner(claims: Json, out: Findings): string | undefined {
  const practitioner = resource(claims, 'requesting_practitioner', 'Practitioner', out);
  if (!practitioner) return undefined;
  const id = str(
    practitioner,
    'id',
    'requesting_practitioner.id',
    "the practitioner's id, equal to sub",
    out,
  );

  const names = array(practitioner, 'name', 'requesting_practitioner.name', 'an array of HumanName', out);
  const name =
    names && firstObject(names, 'requesting_practitioner.name', 'a HumanName {family, given, prefix}', out);
  if (name) {
    if (Array.isArray(name.family)) {
      out.bad(
        'jwt.requesting_practitioner.name[0].family',
        'JWT requesting_practitioner.name[0].family must be a string in STU3 (an array is the DSTU2 form)',
      );
    } else {
      str(name, 'family', 'requesting_practitioner.name[0].family', "the practitioner's family name", out);
    }
  }

  const path = 'requesting_practitioner.identifier';
  const ids = array(
    practitioner,
    'identifier',
    path,
    `an array of Identifier including ${SDS_USER_SYSTEM}`,
    out,
  );
  if (ids) {
    const expected = "the user's SDS user id (UNK when they have no smartcard)";
    const index = identifierWith(ids, SDS_USER_SYSTEM, path, expected, WRONG_SDS_SYSTEMS, out);
    if (index !== -1) str(ids[index] as Json, 'value', `${path}[${index}].value`, expected, out);
  }
  return id;
}
