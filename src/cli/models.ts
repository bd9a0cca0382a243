// reelay models: the models the server offers and what each accepts.
import { action, clientCommand, clientFrom, printJson, type CommonOptions } from './common.js';

export function modelsCommand() {
  return clientCommand('models', 'list models with their sizes and durations', 'reelay models --json')
    .action(
      action(async (opts: CommonOptions) => {
        const { body } = await clientFrom(opts).models();
        if (opts.json) return printJson(body);
        for (const m of body.data) {
          const caps = m.capabilities;
          const detail = caps ? `sizes ${caps.sizes?.join(',') ?? '?'}  seconds ${caps.seconds?.join(',') ?? '?'}` : '';
          process.stdout.write(`${m.id.padEnd(24)} ${detail}\n  ${m.owned_by}\n`);
        }
      }),
    );
}
