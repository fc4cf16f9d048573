import { describe, expect, it } from 'vitest';
import { PROFILES } from '../profiles/index.js';
import { describeChange, diffAppointment, readAmend, readCancel } from './appointment-update-input.js';
import { EXTENSION_URL } from './profiles.js';

const stored = {
  resourceType: 'Appointment',
  id: '1',
  meta: { versionId: '1', profile: ['p'] },
  extension: [
    { url: EXTENSION_URL.bookingOrganisation, valueReference: { reference: '#1' } },
    { url: EXTENSION_URL.deliveryChannel, valueCode: 'In-person' },
  ],
  status: 'booked',
  serviceType: [{ text: 'General Appointment' }],
  description: 'Sore throat',
  start: '2026-06-02T09:00:00+01:00',
  end: '2026-06-02T09:10:00+01:00',
  slot: [{ reference: 'Slot/s1-202606020900' }],
  participant: [
    { actor: { reference: 'Patient/1' }, status: 'accepted' },
    { actor: { reference: 'Location/l1' }, status: 'accepted' },
  ],
};
const copy = () => structuredClone(stored) as Record<string, unknown> & typeof stored;

describe('comparing a PUT body with the stored appointment', () => {
  it('finds no change in the resource as read, with meta gone or different', () => {
    const body = copy();
    body.meta = { versionId: '9', profile: ['other'] };
    expect(diffAppointment(stored, body)).toEqual([]);
  });

  it('lets provider-filled elements be left out but not changed', () => {
    const { serviceType: _st, start: _s, ...body } = copy();
    body.extension = [body.extension[0]!];
    expect(diffAppointment(stored, body)).toEqual([]);
    const changed = copy();
    changed.serviceType[0]!.text = 'Other';
    expect(diffAppointment(stored, changed).map(describeChange)).toEqual([
      'serviceType[0].text changed (was "General Appointment", now "Other")',
    ]);
  });

  it('compares start and end as instants and participants in any order', () => {
    const body = copy();
    body.start = '2026-06-02T08:00:00Z';
    body.participant.reverse();
    expect(diffAppointment(stored, body)).toEqual([]);
    body.end = '2026-06-02T09:10:00'; // no offset: not the same instant as written
    expect(diffAppointment(stored, body).map((c) => c.path)).toEqual(['end']);
  });

  it('names added, removed and changed paths', () => {
    const body = copy() as Record<string, unknown>;
    body['priority'] = 1;
    delete body['description'];
    (body['slot'] as Array<{ reference: string }>)[0]!.reference = 'Slot/x';
    expect(diffAppointment(stored, body).map(describeChange)).toEqual([
      'description changed (removed "Sore throat")',
      'slot[0].reference changed (was "Slot/s1-202606020900", now "Slot/x")',
      'priority changed (added 1)',
    ]);
  });
});

describe('reading an amend and a cancel', () => {
  const gpc = PROFILES['gpconnect-1.2.7'];

  it('reads a description change as an amend', () => {
    expect(readAmend({ ...copy(), description: 'New' }, stored, gpc)).toEqual({
      description: 'New',
      comment: undefined,
      changed: true,
    });
    expect(readAmend(copy(), stored, gpc).changed).toBe(false);
  });

  it('reads a cancel and its reason, ignoring the reason on an already-cancelled one', () => {
    const reason = { url: EXTENSION_URL.cancellationReason, valueString: 'Better' };
    const body = { ...copy(), status: 'cancelled', extension: [...stored.extension, reason] };
    expect(readCancel(body, stored)).toEqual({ reason: 'Better' });
    const cancelled = {
      ...stored,
      status: 'cancelled',
      extension: [...stored.extension, { ...reason, valueString: 'Old' }],
    };
    expect(readCancel(body, cancelled)).toEqual({ reason: 'Better' });
  });
});
