// reelay keys create|list|revoke: manage API keys in the local data dir.
import { Command } from 'commander';
import { withStore } from './local-store.js';
import { createKey, DEFAULT_PROJECT } from '../http/index.js';

export function keysCommand() {
  const keys = new Command('keys').description('manage API keys (per project)');
  keys
    .command('create')
    .description('create a key and print it once')
    .option('-p, --project <name>', 'project the key belongs to (created if new)', DEFAULT_PROJECT)
    .option('-n, --name <name>', 'a label for the key', 'cli')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  reelay keys create --project mobile-app --name ci\n')
    .action((opts: { project: string; name: string; json?: boolean }) =>
      withStore(async (store) => {
        const { secret, record } = await createKey(store, opts.project, opts.name);
        if (opts.json) console.log(JSON.stringify({ id: record.id, project: opts.project, name: record.name, key: secret }));
        else console.log(`${secret}\n(key ${record.id} for project '${opts.project}'; it is not shown again)`);
      }),
    );
  keys
    .command('list')
    .description('list keys (hints only, never the secret)')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      withStore(async (store) => {
        const list = await store.listKeys();
        if (opts.json) return console.log(JSON.stringify(list));
        for (const k of list) {
          console.log(`${k.id}  ${k.projectName.padEnd(16)} ${k.name.padEnd(12)} ${k.hint}  ${k.revokedAt ? 'revoked' : 'active'}`);
        }
      }),
    );
  keys
    .command('revoke')
    .description('revoke a key by its id')
    .argument('<id>', 'key id (key_...)')
    .action((id: string) =>
      withStore(async (store) => {
        if (!(await store.revokeKey(id))) {
          console.error(`no active key with id ${id}`);
          process.exitCode = 3;
          return;
        }
        console.log(`revoked ${id}`);
      }),
    );
  return keys;
}
