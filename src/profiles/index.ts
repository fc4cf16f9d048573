import { MEDIA_TYPE_FORMAT } from '../fhir/format.js';
import { SPINE_ERRORS, type SpineCode } from '../fhir/operation-outcome.js';
import { resourceElements } from '../fhir/stu3/resource-elements.js';
import { careconnect } from './careconnect.js';
import { gpconnect127 } from './gpconnect-1.2.7.js';
import type { Profile } from './profile.js';

export type {
  BookingRules,
  ExtensionName,
  ParticipantActorType,
  Profile,
  RequiredBookingElement,
} from './profile.js';

/** Every profile `--profile` offers, the default first: the one list a new profile is added to. */
const REGISTERED = [careconnect, gpconnect127] as const;

export type ProfileName = (typeof REGISTERED)[number]['name'];

/**
 * The problems of a profile table that its type cannot express, as sentences naming the row
 * (empty when none): rows that contradict each other, media types listed twice, limits that are
 * not positive integers.
 */
export function profileProblems(profile: Profile): string[] {
  const problems: string[] = [];
  if (profile.booking.matchSchedule && !profile.required.includes('extension:bookingOrganisation')) {
    problems.push(
      'booking.matchSchedule checks the schedule against the booking organisation: required must include extension:bookingOrganisation',
    );
  }
  for (const [row, list] of [
    ['requestContentTypes', profile.requestContentTypes],
    ['responseFormats.mediaTypes', profile.responseFormats.mediaTypes],
    ['required', profile.required],
    ['participant.statuses', profile.participant.statuses],
    ['participant.requiredActors', profile.participant.requiredActors],
  ] as const) {
    if (new Set(list).size !== list.length) problems.push(`${row} lists a value twice`);
  }
  for (const type of [...profile.requestContentTypes, ...profile.responseFormats.mediaTypes]) {
    if (!(type in MEDIA_TYPE_FORMAT)) problems.push(`${type} is not a FHIR media type this server can read`);
  }
  if (!profile.responseFormats.mediaTypes.some((t) => MEDIA_TYPE_FORMAT[t] === 'json')) {
    problems.push('responseFormats.mediaTypes must include a JSON type');
  }
  for (const [element, max] of Object.entries(profile.textLimits)) {
    if (max !== undefined && !(Number.isInteger(max) && max > 0)) {
      problems.push(`textLimits.${element} must be a positive integer, got ${max}`);
    }
  }
  const alwaysRequired = ['status', 'slot', 'participant'];
  for (const element of Object.keys(profile.forbidden)) {
    if (!resourceElements('Appointment').has(element)) {
      problems.push(`forbidden.${element} is not an element of a FHIR STU3 Appointment`);
    }
    if (alwaysRequired.includes(element) || profile.required.some((r) => r.split(/[.:]/)[0] === element)) {
      problems.push(`${element} is both required and forbidden`);
    }
  }
  return problems;
}

function registry(profiles: readonly Profile[]): Record<string, Profile> {
  const byName: Record<string, Profile> = {};
  for (const profile of profiles) {
    const problems = profileProblems(profile);
    if (byName[profile.name] !== undefined) problems.push('its name is registered twice');
    if (problems.length > 0) throw new Error(`profile ${profile.name}: ${problems.join('; ')}`);
    byName[profile.name] = profile;
  }
  return byName;
}

/** The registered profiles by name (checked with profileProblems when this module loads). */
export const PROFILES = registry(REGISTERED) as Readonly<Record<ProfileName, Profile>>;

/** The registered profiles' names, in registration order (the `--profile` choices). */
export const PROFILE_NAMES = REGISTERED.map((p) => p.name) as [ProfileName, ...ProfileName[]];

/** The profile a sandbox runs when none is named: the first registered (careconnect, the seed page). */
export const DEFAULT_PROFILE: ProfileName = REGISTERED[0].name;

/** The HTTP status a Spine code answers with under a profile (its override, else the catalogue's). */
export function statusFor(profile: Profile, code: SpineCode): number {
  return profile.statusOverrides[code] ?? SPINE_ERRORS[code].httpStatus;
}
