// reelay delete ID: delete a video in any status (a running job is cancelled).
import { action, clientCommand, clientFrom, printJson, type CommonOptions } from './common.js';

export function deleteCommand() {
  return clientCommand('delete', 'delete a video (cancels it if it is still running)', 'reelay delete video_0123...')
    .argument('<id>', 'video id')
    .action(
      action(async (id: string, opts: CommonOptions) => {
        const { body } = await clientFrom(opts).deleteVideo(id);
        if (opts.json) printJson(body);
        else process.stdout.write(`deleted ${body.id}\n`);
      }),
    );
}
