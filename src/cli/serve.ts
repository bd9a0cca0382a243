// reelay serve: start the server with config from file and environment.
import { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { startServer, type Server } from '../server.js';
import { LockError } from '../lock.js';

export function serveCommand() {
  return new Command('serve')
    .description('start the server (SQLite + local disk + the local engine by default)')
    .option('-c, --config <file>', 'config file (JSON); default $REELAY_CONFIG or ./reelay.config.json')
    .option('--host <host>', 'listen address (REELAY_HOST)')
    .option('--port <port>', 'listen port (REELAY_PORT)')
    .option('--role <role>', 'api (take requests, never render), worker (run jobs), or all (REELAY_ROLE; default all)')
    .addHelpText('after', '\nExample:\n  REELAY_PORT=9000 reelay serve\n')
    .action(async (opts: { config?: string; host?: string; port?: string; role?: string }) => {
      const overrides: Record<string, unknown> = {};
      if (opts.role) {
        if (!['all', 'api', 'worker'].includes(opts.role)) {
          process.stderr.write(`reelay serve: --role must be api, worker or all, got '${opts.role}'\n`);
          process.exit(2);
        }
        overrides.role = opts.role;
      }
      if (opts.host) overrides.host = opts.host;
      if (opts.port) overrides.port = Number(opts.port);
      const cfg = loadConfig({ file: opts.config, overrides });
      let server: Server;
      try {
        server = await startServer(cfg, { createFirstKey: true });
      } catch (err) {
        // Operator errors (data dir in use, port taken) get one clear line, not a stack trace.
        const code = (err as NodeJS.ErrnoException).code;
        if (err instanceof LockError || code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
          process.stderr.write(`reelay serve: ${(err as Error).message}\n`);
          process.exit(1);
        }
        throw err;
      }
      // Handlers before the announcement: whoever saw 'listening' may stop us, and that must drain.
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return process.exit(1);
        stopping = true;
        process.stdout.write(`\n${signal}: finishing running jobs (send again to force)...\n`);
        server.close(cfg.shutdownGraceMs).then(() => process.exit(0), () => process.exit(1));
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
      const base = server.url.replace('0.0.0.0', '127.0.0.1');
      process.stdout.write(`reelay listening on ${base} (data in ${cfg.dataDir}${cfg.role === 'all' ? '' : `, role ${cfg.role}`})\n`);
      if (server.firstKey) {
        process.stdout.write(
          `\nCreated an API key for the default project. It is shown only this once:\n\n  ${server.firstKey}\n\n` +
            `Try it:\n  curl ${base}/v1/videos -H "Authorization: Bearer ${server.firstKey}" -F prompt="a red balloon over mountains at sunset"\n\n`,
        );
      }
    });
}
