// reelay characters create|get: name a short clip once, then use the name in prompts.
import { Command } from 'commander';
import { action, clientCommand, clientFrom, printJson, type CommonOptions } from './common.js';
import { fileBlob } from './client.js';

type Character = { id: string; name: string; created_at: number };
const show = (c: Character, json?: boolean) =>
  process.stdout.write(json ? `${JSON.stringify(c, null, 2)}\n` : `${c.id}  ${c.name}  created ${new Date(c.created_at * 1000).toISOString()}\n`);

export function charactersCommand() {
  const characters = new Command('characters')
    .description('create or show characters (a named short clip)')
    .addHelpText('after', '\nExample:\n  reelay characters create --name Mochi mochi.mp4\n');
  characters.addCommand(
    clientCommand('create', 'upload a short clip (2-4 s) as a named character', 'reelay characters create --name Mochi mochi.mp4')
      .argument('<file>', 'video file (MP4)')
      .requiredOption('-n, --name <name>', 'the name prompts will use (1-80 characters)')
      .action(
        action(async (file: string, opts: CommonOptions & { name: string }) => {
          const form = new FormData();
          form.set('name', opts.name);
          const { blob, name } = await fileBlob(file);
          form.set('video', blob, name);
          show((await clientFrom(opts).createCharacter(form)).body, opts.json);
        }),
      ),
  );
  characters.addCommand(
    clientCommand('get', 'show a character', 'reelay characters get char_0123...')
      .argument('<id>', 'character id')
      .action(
        action(async (id: string, opts: CommonOptions) => {
          const { body } = await clientFrom(opts).getCharacter(id);
          if (opts.json) printJson(body);
          else show(body);
        }),
      ),
  );
  return characters;
}
