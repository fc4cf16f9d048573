import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { optionNames, resolveOptions } from '../../src/config-schema.js';
import { createSandbox, type SandboxOptions, startSandbox } from '../../src/index.js';
import { coreOf } from '../../src/testing.js';
import { BAD_OPTIONS } from '../helpers/option-cases.js';

describe('createSandbox() / startSandbox() options (issue 15 §4: the CLI schema, a ConfigError naming the option)', () => {
  it('has bad values for every option the schema knows', () => {
    const covered = new Set(BAD_OPTIONS.map((c) => c.option.split('.')[0]));
    expect(optionNames().filter((name) => !covered.has(name))).toEqual([]);
  });

  it.each(BAD_OPTIONS)('createSandbox() refuses $options, naming $option', ({ option, options }) => {
    let thrown: unknown;
    try {
      createSandbox(options as SandboxOptions).close();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const error = thrown as ConfigError;
    expect(error.option).toBe(option);
    // A one-option problem reads `${option} ${problem}`; a cross-option rule names the flags itself.
    if (error.problem) expect(error.message).toBe(`${option} ${error.problem}`);
    else expect(error.message).toMatch(/--[a-z-]+/);
  });

  it.each(BAD_OPTIONS)(
    'startSandbox() refuses $options the same way, listening on nothing',
    async ({ options }) => {
      const expected = (() => {
        try {
          resolveOptions(options);
        } catch (error) {
          return error;
        }
      })();
      await expect(startSandbox(options as SandboxOptions)).rejects.toEqual(expected);
      await expect(startSandbox(options as SandboxOptions)).rejects.toBeInstanceOf(ConfigError);
    },
  );

  it.each([
    { clock: '2026-06-02T08:00:00Z' },
    { clock: '2026-06-02T09:00+01:00' },
    { sessionTtl: 'PT2S', maxSessions: 3 },
    { sessionTtl: 1500 },
    { basePath: '/A20047/STU3/1/gpconnect/' },
    { port: 0, host: 'localhost', profile: 'gpconnect-1.2.7', auth: 'off' },
    { tls: { cert: 'cert.pem', key: 'key.pem' } },
    { host: '0.0.0.0', adminToken: 'a-secret-of-16-chars' },
  ] as SandboxOptions[])('accepts %j', (options) => {
    expect(() => resolveOptions(options)).not.toThrow();
  });

  it('names the option when the server cannot start with it: a port in use, an unreadable certificate', async () => {
    const first = await startSandbox();
    try {
      await expect(startSandbox({ port: first.port })).rejects.toMatchObject({
        name: 'ConfigError',
        option: 'port',
      });
    } finally {
      await first.close();
    }
    await expect(
      startSandbox({ tls: { cert: '/nonexistent/cert.pem', key: '/nonexistent/key.pem' } }),
    ).rejects.toMatchObject({ name: 'ConfigError', option: 'tls.cert' });
  });

  it('reads a clock with an offset as that instant, whatever the host time zone', () => {
    const sandbox = createSandbox({ clock: '2026-06-02T09:00:00+01:00' });
    const other = createSandbox({ clock: '2026-06-02T08:00:00Z' });
    expect(coreOf(sandbox).clock.now()).toBe(Date.UTC(2026, 5, 2, 8));
    expect(coreOf(other).clock.now()).toBe(Date.UTC(2026, 5, 2, 8));
    void sandbox.close();
    void other.close();
  });
});
