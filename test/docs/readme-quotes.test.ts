// The README quotes example files whole; the quotes must be the files the suite runs, byte for byte.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

const quoted = [
  ...readdirSync(join(ROOT, 'docs/examples')).map((f) => [`docs/examples/${f}`, 'js'] as const),
  ['test/examples/global-setup.ts', 'ts'] as const,
];

describe('README quotes of example files are exact', () => {
  it.each(quoted)('%s', (file, lang) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    expect(readme).toContain(`\`\`\`${lang}\n${text}\`\`\``);
  });
});
