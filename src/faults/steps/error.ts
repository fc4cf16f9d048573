/**
 * `error`: answer with a provider error from the Spine catalogue as a GPConnect-OperationOutcome-1
 * (`{"code": "DUPLICATE_REJECTED"}`, the status the active profile gives the code unless `status`
 * says), or with the Spine Secure Proxy's own error (`{"ssp": true, "status": 502}`). GP Connect
 * 1.2.7 development_fhir_error_handling_guidance.md (Spine error codes; SSP errors).
 */
import { isSpineCode, operationOutcome, SPINE_ERRORS } from '../../fhir/operation-outcome.js';
import { sspErrorBody } from '../apply.js';
import { isSspStatus, SSP_ERRORS, SSP_STATUSES } from '../ssp-errors.js';
import {
  type ErrorAction,
  expected,
  nonEmptyString,
  type StepDefinition,
  type StepImplementation,
} from './definition.js';

function codeProblem(code: string): string {
  const wanted = code.toUpperCase().replace(/[\s-]+/g, '_');
  const near = Object.keys(SPINE_ERRORS).find((k) => k.replace(/ /g, '_') === wanted);
  return near
    ? `unknown Spine code "${code}"; did you mean "${near}"?`
    : `unknown Spine code "${code}"; known: ${Object.keys(SPINE_ERRORS).join(', ')}`;
}

export const definition: StepDefinition<'error'> = {
  type: 'error',
  phase: 'outcome',
  actionKind: 'error',
  summary: "answer with a Spine error (an OperationOutcome) or the Spine proxy's own error",
  schema(z) {
    return z
      .strictObject({
        ssp: z.boolean({ error: expected('true or false') }).optional(),
        status: z
          .number({ error: expected('an HTTP status') })
          .int({ error: 'expected an HTTP status' })
          .min(400, { error: 'expected an error status, 400 to 599' })
          .max(599, { error: 'expected an error status, 400 to 599' })
          .optional(),
        code: z
          .string({ error: expected('a Spine code such as "DUPLICATE_REJECTED"') })
          .optional()
          .meta({ enum: Object.keys(SPINE_ERRORS), description: 'a Spine error code (not with ssp: true)' }),
        display: nonEmptyString(z, 'a non-empty string', 'a string').optional(),
        diagnostics: nonEmptyString(z, 'a non-empty string', 'a string').optional(),
      })
      .superRefine((v, ctx) => {
        if (v.ssp) {
          if (v.code !== undefined) {
            ctx.addIssue({
              code: 'custom',
              path: ['code'],
              message: 'an SSP error has no Spine code (its code is the status); remove code',
            });
          }
          if (!isSspStatus(v.status)) {
            ctx.addIssue({
              code: 'custom',
              path: ['status'],
              message: `an SSP error needs status ${SSP_STATUSES.join(', ')}`,
            });
          }
        } else if (v.code === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['code'],
            message: 'required (a Spine code such as "DUPLICATE_REJECTED")',
          });
        } else if (!isSpineCode(v.code)) {
          ctx.addIssue({ code: 'custom', path: ['code'], message: codeProblem(v.code) });
        }
      });
  },
  explain(error, options) {
    if (error.ssp) return `the Spine proxy's ${error.status} ${SSP_ERRORS[error.status].display}`;
    const status = error.status ?? options.statusOf?.(error.code);
    return status !== undefined ? `${status} ${error.code}` : error.code;
  },
  decide(error, { rule }) {
    const diagnostics = error.diagnostics;
    if (error.ssp) {
      const display = error.display ?? SSP_ERRORS[error.status].display;
      return {
        type: 'error',
        action: {
          kind: 'error',
          ssp: true,
          status: error.status,
          code: String(error.status),
          display,
          diagnostics: diagnostics ?? display,
        },
      };
    }
    const action: ErrorAction = {
      kind: 'error',
      ssp: false,
      code: error.code,
      diagnostics:
        diagnostics ??
        `Injected by the sandbox's fault rule "${rule.name}" (see GET /_admin/faults or the request journal).`,
    };
    if (error.status !== undefined) action.status = error.status;
    if (error.display !== undefined) action.display = error.display;
    return { type: 'error', action };
  },
};

export const implementation: StepImplementation<'error'> = {
  async apply({ action }, host) {
    if (action.ssp) {
      return { status: action.status, resource: sspErrorBody(action.status, action.diagnostics) };
    }
    return {
      status: action.status ?? host.statusOf(action.code),
      resource: operationOutcome(action.code, action.diagnostics, action.display),
    };
  },
};
