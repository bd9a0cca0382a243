// reelay remix ID "prompt": a new video from a completed one (same model, size, seconds).
import { action, afterCreate, clientCommand, clientFrom, type AfterCreateOptions } from './common.js';

export function remixCommand() {
  return clientCommand('remix', 'remix a completed video with a new prompt', 'reelay remix video_0123... "the same scene at night" --wait')
    .argument('<id>', 'completed video id')
    .argument('<prompt>', 'the new prompt')
    .option('-w, --wait', 'wait until the remix is completed or failed, showing progress')
    .option('-o, --output <file>', 'wait, then download the MP4 to this file (implies --wait)')
    .action(
      action(async (id: string, prompt: string, opts: AfterCreateOptions) => {
        const client = clientFrom(opts);
        await afterCreate(client, (await client.remix(id, prompt)).body, opts);
      }),
    );
}
