/**
 * `emptyBundle: true`: a search answers 200 with an empty searchset Bundle, as from a practice with
 * no free slots or one that offers the consumer none. Searches are the operations table's
 * `rest:search:…` interactions (GP Connect 1.2.7 integration_interaction_ids.md).
 */
import { searchset } from '../../fhir/resources.js';
import type { StepDefinition, StepImplementation } from './definition.js';

export const definition: StepDefinition<'emptyBundle'> = {
  type: 'emptyBundle',
  phase: 'outcome',
  actionKind: 'empty-bundle',
  summary: 'a search answers 200 with an empty searchset Bundle',
  flag: true,
  schema: (z) => z.boolean({ error: 'expected true (a search answers with an empty Bundle)' }),
  scope: {
    purpose: 'answers searches',
    operation: (op) => op.interaction.startsWith('rest:search:'),
  },
  notAfter: 'emptyBundle replaces a search result',
  explain: () => 'answer with an empty searchset Bundle',
  decide: () => ({ type: 'emptyBundle', action: { kind: 'empty-bundle' } }),
};

export const implementation: StepImplementation<'emptyBundle'> = {
  async apply() {
    return { status: 200, resource: searchset([]) };
  },
};
