import type { Application } from '../application/application.js';
import type { World } from '../application/world.js';
import type { FhirFormat } from '../fhir/format.js';
import type { FhirResource } from '../fhir/resources.js';

export type Query = Record<string, string | string[] | undefined>;

/** What a FHIR handler gets: no express objects, so handlers stay plain functions. */
export interface FhirCall {
  core: Application;
  world: World;
  /** Path parameters in pattern order. */
  params: string[];
  query: Query;
  /** The parsed body (JSON or XML → JSON), for POST and PUT. */
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  /** The Ssp-InteractionID's interaction, when the envelope named a valid one. */
  interaction?: string;
  nowMs: number;
  /** Origin + base path, for Location headers. */
  fhirBaseUrl: string;
  /** The negotiated response format (absent: JSON), so a handler can render before it commits. */
  format?: FhirFormat;
}

/** What a handler returns; the pipeline renders it (or a fault replaces it). */
export interface FhirResult {
  status: number;
  resource?: FhirResource;
  headers?: Record<string, string>;
  /** Prefer: return=minimal: send no body. */
  minimal?: boolean;
  /** `resource` already serialised as JSON (large searches assemble it from cached pieces). */
  json?: string;
  /** Sentences for X-Sandbox-Warning (and the journal): what the request did not send as the spec asks. */
  warnings?: string[];
  /** `resource` already rendered in the call's format (a handler that commits renders first). */
  rendered?: { body: string; contentType: string };
}

export type FhirHandler = (call: FhirCall) => FhirResult | Promise<FhirResult>;

export interface FhirRoute {
  method: 'GET' | 'POST' | 'PUT';
  /** As documented, e.g. /Appointment/{id}. */
  template: string;
  pattern: RegExp;
  /** What the route does, for 404 diagnostics. */
  summary: string;
  handler: FhirHandler;
}

const ID = '([A-Za-z0-9\\-.]{1,64})';

export function route(
  method: FhirRoute['method'],
  template: string,
  summary: string,
  handler: FhirHandler,
): FhirRoute {
  const source = template.replace(/[$]/g, '\\$').replace(/\{[a-z]+\}/g, ID);
  return { method, template, pattern: new RegExp(`^${source}$`), summary, handler };
}
