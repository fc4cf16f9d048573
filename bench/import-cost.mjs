// Where start-up time goes: import each module in a fresh process and time it (cumulative order).
import { execFileSync } from 'node:child_process';

const mods = process.argv.slice(2);
for (const m of mods) {
  const out = execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const t=performance.now(); await import(${JSON.stringify(m)}); console.log((performance.now()-t).toFixed(1))`,
    ],
    { cwd: process.cwd() },
  );
  console.log(m.padEnd(40), String(out).trim(), 'ms');
}
