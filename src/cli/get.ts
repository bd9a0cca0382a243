// reelay get ID: one video's current state.
import { action, clientCommand, clientFrom, describeVideo, printJson, type CommonOptions } from './common.js';

export function getCommand() {
  return clientCommand('get', 'show a video', 'reelay get video_0123... --json')
    .argument('<id>', 'video id')
    .action(
      action(async (id: string, opts: CommonOptions) => {
        const { body } = await clientFrom(opts).getVideo(id);
        if (opts.json) printJson(body);
        else process.stdout.write(`${describeVideo(body)}\n`);
      }),
    );
}
