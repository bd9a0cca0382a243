// The reelay CLI: one file per command; this file only wires them.
import { Command, CommanderError } from 'commander';
import { serveCommand } from './serve.js';
import { keysCommand } from './keys.js';
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

for (const cmd of [
  serveCommand(), keysCommand(), createCommand(), getCommand(), listCommand(), downloadCommand(), remixCommand(),
  editCommand(), extendCommand(), deleteCommand(), charactersCommand(), modelsCommand(), doctorCommand(),
]) {
  program.addCommand(cmd);
}

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
