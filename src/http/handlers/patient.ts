import { findPatient } from '../../domain/booking.js';
import type { Patient } from '../../domain/model.js';
import { nhsNumberProblem } from '../../domain/nhs-number.js';
import { SpineError } from '../../fhir/operation-outcome.js';
import { SYSTEM } from '../../fhir/profiles.js';
import { patientToFhir, searchset } from '../../fhir/resources.js';
import { readIdentifierParam } from '../../fhir/search-params.js';
import type { FhirCall, FhirResult } from '../fhir-types.js';

/**
 * GET /Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|{nhs} (digest §1.4, §6): a valid but
 * unknown number is an empty searchset, not 404. Deceased, sensitive and inactive patients are
 * left out (PTS patient9, patient18, patient21). Seed and run-time fixture patients alike.
 */
export function searchPatients(call: FhirCall): FhirResult {
  const { value: nhsNumber } = readIdentifierParam(call.query, 'Patient', [SYSTEM.nhsNumber], '9990000018');
  const problem = nhsNumberProblem(nhsNumber);
  if (problem) throw new SpineError('INVALID_NHS_NUMBER', `identifier: ${problem}`);
  const matches: Patient[] = [];
  const seeded = call.core.directory.patientsByNhsNumber.get(nhsNumber);
  if (seeded) matches.push(seeded);
  for (const fixture of call.world.state.fixturePatients.values()) {
    if (fixture.nhsNumber === nhsNumber && fixture.id !== seeded?.id) matches.push(fixture);
  }
  const found = matches.filter((p) => p.active && !p.deceasedDateTime && !p.sensitive);
  return { status: 200, resource: searchset(found.map(patientToFhir)) };
}

/** GET /Patient/{id}: unknown → 404 PATIENT_NOT_FOUND (PTS PatientRead.feature). */
export function readPatient(call: FhirCall): FhirResult {
  const id = call.params[0]!;
  const patient = findPatient({ directory: call.core.directory, state: call.world.state }, id);
  if (!patient) {
    throw new SpineError(
      'PATIENT_NOT_FOUND',
      `Patient/${id} does not exist in this sandbox: find the patient by NHS number first (GET /Patient?identifier=${SYSTEM.nhsNumber}|{nhsNumber}) and use its id`,
    );
  }
  return { status: 200, resource: patientToFhir(patient) };
}
