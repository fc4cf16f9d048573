import type { Command } from 'commander';
import { buildEnvelope, formatCurlConfig } from '../auth/build-headers.js';
import { INTERACTIONS, resolveInteraction } from '../auth/interactions.js';
import { asid, url } from './parse.js';

export function registerHeaders(program: Command): void {
  program
    .command('headers')
    .description(
      'print a fresh, valid GP Connect envelope for an interaction (curl -K - config lines, or --json)',
    )
    .argument('<interaction>', 'e.g. create:appointment-1, rest:search:slot-1 or the full URN')
    .option('--asid <asid>', 'consumer ASID (Ssp-From)', asid)
    .option('--provider-asid <asid>', "the provider's ASID (Ssp-To)", asid, '918999198993')
    .option('--aud <url>', 'JWT aud: the provider base URL', url('--aud'), 'http://127.0.0.1:4000')
    .option('--json', 'print a JSON object of headers')
    .action(
      (interaction: string, flags: { asid?: string; providerAsid: string; aud: string; json?: boolean }) => {
        if (!resolveInteraction(interaction)) {
          process.stderr.write(
            `gpc-sandbox: unknown interaction "${interaction}": one of ${INTERACTIONS.map((i) => i.name.replace(/^(rest|operation):/, '')).join(', ')}, or a full URN\n`,
          );
          process.exit(2);
        }
        const headers = buildEnvelope(interaction, {
          asid: flags.asid,
          providerAsid: flags.providerAsid,
          aud: flags.aud,
        });
        process.stdout.write(
          flags.json ? `${JSON.stringify(headers, null, 2)}\n` : formatCurlConfig(headers),
        );
      },
    );
}
