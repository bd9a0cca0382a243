// The reelay CLI: one file per command; this file only wires them.
import { Command, CommanderError } from 'commander';
import { createCommand } from './create.js';
import { getCommand } from './get.js';
import { listCommand } from './list.js';
import { downloadCommand } from './download.js';
import { remixCommand } from './remix.js';
import { editCommand } from './edit.js';
import { extendCommand } from './extend.js';
import { deleteCommand } from './delete.js';
import { charactersCommand } from './characters.js';
import { modelsCommand } from './models.js';
import { doctorCommand } from './doctor.js';
import { EXIT } from './errors.js';

// `reelay list | head` closes stdout early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const program = new Command('reelay')
  .description('reelay: a self-hosted server for the /v1/videos API, and a client for any such server')
  .showHelpAfterError()
  .addHelpText(
    'after',
    '\nClient commands talk to --base-url ($REELAY_BASE_URL, $OPENAI_BASE_URL; default http://127.0.0.1:8080/v1)\n' +
      'with --api-key ($REELAY_API_KEY, $OPENAI_API_KEY).\n' +
      'Exit codes: 0 ok, 1 other error, 2 usage or invalid request, 3 not found, 4 auth, 5 the video failed.\n\n' +
      'Example:\n  reelay create "a paper airplane over a city at night" --wait -o plane.mp4\n',
  );

const clientCommands = [
  createCommand(), getCommand(), listCommand(), downloadCommand(), remixCommand(), editCommand(), extendCommand(),
  deleteCommand(), charactersCommand(), modelsCommand(), doctorCommand(),
];
// A client command never loads the server stack (SQLite, canvas, the engines): faster, and it
// works where those native modules are missing.
if (!clientCommands.some((c) => c.name() === process.argv[2])) {
  program.addCommand((await import('./serve.js')).serveCommand());
  program.addCommand((await import('./keys.js')).keysCommand());
  program.addCommand((await import('./projects.js')).projectsCommand());
  program.addCommand((await import('./webhooks.js')).webhooksCommand());
}
for (const cmd of clientCommands) program.addCommand(cmd);

// Usage errors exit with EXIT.usage rather than commander's 1; help and version exit 0.
const throwOnExit = (cmd: Command) => {
  cmd.exitOverride();
  cmd.commands.forEach(throwOnExit);
};
throwOnExit(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (!(err instanceof CommanderError)) throw err;
  process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
}
