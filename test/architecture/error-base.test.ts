import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/application/input-error.js';
import { ConfigError } from '../../src/config.js';
import { DomainError } from '../../src/domain/errors.js';
import { ERROR_CATALOGUE, SandboxError } from '../../src/domain/sandbox-error.js';
import { ScenarioError } from '../../src/faults/scenarios.js';
import { SpineError } from '../../src/fhir/operation-outcome.js';
import { AdminError } from '../../src/http/admin-errors.js';
import { SeedError } from '../../src/seeding/loader.js';
import { StoreError } from '../../src/store/store.js';

// One error base class: every error the sandbox raises on purpose is a SandboxError carrying its
// catalogue entry, with the message, status and fields it had before.
describe('the error classes', () => {
  const cases: Array<[SandboxError, string, string, 1 | 2]> = [
    [
      ConfigError.forOption('port', 'must be a whole number'),
      'ConfigError',
      'port must be a whole number',
      2,
    ],
    [new InputError('bad', 'field', 409), 'InputError', 'bad', 2],
    [new SeedError([]), 'SeedError', 'invalid seed', 2],
    [new ScenarioError('bad file', 'x.json'), 'ScenarioError', 'bad file', 2],
    [new StoreError('cannot write'), 'StoreError', 'cannot write', 2],
    [new AdminError(404, 'no such call', 'path'), 'AdminError', 'no such call', 1],
    [new SpineError('BAD_REQUEST', 'why'), 'SpineError', 'BAD_REQUEST: why', 1],
    [
      new DomainError({ kind: 'no-record', appointmentId: '7' }),
      'DomainError',
      'no-record: {"kind":"no-record","appointmentId":"7"}',
      1,
    ],
  ];

  it.each(cases)(
    '%s is a SandboxError with its name, message and catalogue entry',
    (error, name, message, exitCode) => {
      expect(error).toBeInstanceOf(SandboxError);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe(name);
      expect(error.message).toBe(message);
      expect(error.entry).toBe(ERROR_CATALOGUE[name as keyof typeof ERROR_CATALOGUE]);
      expect(error.entry.exitCode).toBe(exitCode);
    },
  );

  it('keep the fields they carried', () => {
    expect(new InputError('bad', 'field', 409)).toMatchObject({ field: 'field', status: 409 });
    expect(new AdminError(404, 'x', 'path')).toMatchObject({ status: 404, field: 'path' });
    expect(new SpineError('BAD_REQUEST', 'why', 415)).toMatchObject({
      code: 'BAD_REQUEST',
      diagnostics: 'why',
      status: 415,
    });
    expect(ConfigError.forOption('port', 'bad')).toMatchObject({ option: 'port', problem: 'bad' });
  });

  it('are the whole catalogue', () => {
    expect(Object.keys(ERROR_CATALOGUE).sort()).toEqual(cases.map(([, name]) => name).sort());
  });
});
