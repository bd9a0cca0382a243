// The reelay CLI: one file per command; this file only wires them.
import { Command } from 'commander';
import { serveCommand } from './serve.js';
import { keysCommand } from './keys.js';

const program = new Command('reelay')
  .description('reelay: a self-hosted server for the /v1/videos API')
  .showHelpAfterError();

program.addCommand(serveCommand());
program.addCommand(keysCommand());

await program.parseAsync(process.argv);
