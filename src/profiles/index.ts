import { SPINE_ERRORS, type SpineCode } from '../fhir/operation-outcome.js';
import { careconnect } from './careconnect.js';
import { gpconnect127 } from './gpconnect-1.2.7.js';
import type { Profile, ProfileName } from './profile.js';

export type { Profile, ProfileName } from './profile.js';

export const PROFILES: Record<ProfileName, Profile> = {
  careconnect,
  'gpconnect-1.2.7': gpconnect127,
};

export const PROFILE_NAMES = Object.keys(PROFILES) as ProfileName[];

export function statusFor(profile: Profile, code: SpineCode): number {
  return profile.statusOverrides[code] ?? SPINE_ERRORS[code].httpStatus;
}
