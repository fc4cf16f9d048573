import { describe, expect, it } from 'vitest';
import type { AppointmentRecord } from '../domain/model.js';
import { appointmentToFhir } from './resources.js';

const record = (resource: Record<string, unknown>): AppointmentRecord => ({
  id: '7',
  versionId: '1',
  lastModifiedMs: Date.parse('2026-06-01T07:00:00Z'),
  patientId: '1',
  slotIds: ['s1-202606020900', 's1-202606020910'],
  startMs: Date.parse('2026-06-02T08:00:00Z'),
  endMs: Date.parse('2026-06-02T08:20:00Z'),
  status: 'booked',
  origin: 'gpconnect',
  resource: { resourceType: 'Appointment', status: 'booked', ...resource },
});

describe('appointmentToFhir', () => {
  it('carries minutesDuration, the length of the slots', () => {
    expect(appointmentToFhir(record({}), 'p').minutesDuration).toBe(20);
  });

  it.each([
    ['2026-06-01T06:55:12.345Z', '2026-06-01T07:55:12+01:00'],
    ['2026-06-01T07:55:12+01:00', '2026-06-01T07:55:12+01:00'],
    ['2026-01-15T10:00:00.5597110+00:00', '2026-01-15T10:00:00+00:00'],
    ['2017-10-09', '2017-10-09'],
  ])('serves a created stored as %s (an earlier version kept it as sent) as %s', (stored, served) => {
    expect(appointmentToFhir(record({ created: stored }), 'p').created).toBe(served);
  });

  it('serves no created when none is stored', () => {
    expect(appointmentToFhir(record({}), 'p')).not.toHaveProperty('created');
  });
});
