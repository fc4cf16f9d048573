import { invalid } from './json-shape.js';
import { FhirXmlError, toFhirXml, withCanonicalNarratives } from './xml.js';

/**
 * Why a FHIR resource (JSON form) cannot be kept and served in both formats, or undefined when it
 * can. It is written as FHIR XML by the writer every XML answer uses: every element must be in the
 * STU3 element table (https://hl7.org/fhir/STU3/) with the right JSON type, every string must be
 * made of characters XML 1.0 can carry, and a narrative (`text.div`) must follow FHIR's narrative
 * rules (https://hl7.org/fhir/STU3/narrative.html: XHTML formatting only, no script, no event
 * attributes, no external references). JSON can always be written, so a resource that passes can
 * be answered in either format later, whatever a client asks for.
 *
 * The problem names the element path as the writer saw it, e.g.
 * `unknown property bogus in Appointment.identifier[0]` or
 * `Appointment.comment contains a character that XML 1.0 cannot represent (U+0007 at offset 1)`.
 */
export function unstorableProblem(resource: object): string | undefined {
  try {
    toFhirXml(resource);
    return undefined;
  } catch (error) {
    if (error instanceof FhirXmlError) return error.message;
    throw error;
  }
}

/**
 * Refuses a resource a consumer sent (a booking, an amend or a cancel) that could not be served in
 * both formats: throws SpineError INVALID_RESOURCE (422) naming the element (see
 * unstorableProblem).
 */
export function checkStorable(resource: object): void {
  const problem = unstorableProblem(resource);
  if (problem) {
    throw invalid(
      `${problem}: a resource is kept only when it is valid FHIR STU3 that both JSON and XML can carry`,
    );
  }
}

/**
 * checkStorable, then the form to keep: a copy with every narrative div in the canonical XHTML the
 * XML answer carries (withCanonicalNarratives), so a JSON answer and an XML answer can never
 * disagree about a stored div. Throws SpineError INVALID_RESOURCE (422) as checkStorable does.
 */
export function storableForm<T extends object>(resource: T): T {
  checkStorable(resource);
  return withCanonicalNarratives(resource);
}
