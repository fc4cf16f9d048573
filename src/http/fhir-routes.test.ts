// issue 15 "One operations table": the router, the envelope's interactions, `headers` and the fault
// matcher all read fhir/operations.ts, so a row added there is served, checked and described alike.
import { describe, expect, it } from 'vitest';
import { buildEnvelope } from '../auth/build-headers.js';
import { interactionsFor, resolveInteraction } from '../auth/interactions.js';
import { whyNot } from '../faults/engine.js';
import { OPERATIONS } from '../fhir/operations.js';
import { FHIR_ROUTES, matchRoute, methodsOnPath } from './fhir-routes.js';

const concrete = (path: string) => path.replace('{id}', 'x1').replace('{vid}', '2');

describe.each(OPERATIONS.map((op) => [`${op.method} ${op.path} (${op.interaction})`, op] as const))(
  'the operations table row %s',
  (_, op) => {
    it('is the interaction the envelope expects on its method and path, with its scope', () => {
      const interaction = resolveInteraction(op.interaction)!;
      expect(interactionsFor(op.method, concrete(op.path))).toContain(interaction);
      expect(interaction.scope).toBe(op.scope);
      expect(interaction.method).toBe(op.method);
    });

    it(op.served ? 'is routed to a handler' : 'is not routed (not served)', () => {
      const match = matchRoute(op.method, concrete(op.path));
      if (op.served) {
        expect(match && 'route' in match ? match.route.template : undefined).toBe(op.path);
        expect(methodsOnPath(concrete(op.path))).toContain(op.method);
      } else expect(match && 'route' in match).toBeFalsy();
    });

    it('gets a valid envelope from `headers` and is matched by a fault rule naming it', () => {
      const headers = buildEnvelope(op.interaction.replace(/^(rest|operation):/, ''));
      expect(headers['Ssp-InteractionID']).toBe(`urn:nhs:names:services:gpconnect:fhir:${op.interaction}`);
      const request = {
        method: op.method,
        path: concrete(op.path),
        headers: {},
        interaction: headers['Ssp-InteractionID'],
      };
      expect(whyNot({ interaction: op.interaction }, request)).toBeNull();
      expect(whyNot({ interaction: op.interaction.replace(/^(rest|operation):/, '') }, request)).toBeNull();
    });
  },
);

it('has one route per served method and path', () => {
  const keys = FHIR_ROUTES.map((r) => `${r.method} ${r.template}`);
  expect(new Set(keys).size).toBe(keys.length);
  const served = new Set(OPERATIONS.filter((op) => op.served).map((op) => `${op.method} ${op.path}`));
  expect(new Set(keys)).toEqual(served);
});
