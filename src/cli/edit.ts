// reelay edit ID|FILE "prompt": a new video from a completed one or an uploaded clip.
import { action, afterCreate, clientCommand, clientFrom, type AfterCreateOptions } from './common.js';
import { setSource } from './source.js';

export function editCommand() {
  return clientCommand('edit', 'edit a completed video (or an uploaded MP4) with a prompt', 'reelay edit video_0123... "make it snow" --wait')
    .argument('<source>', 'completed video id, or a video file to upload')
    .argument('<prompt>', 'what to change')
    .option('-w, --wait', 'wait until the edit is completed or failed, showing progress')
    .option('-o, --output <file>', 'wait, then download the MP4 to this file (implies --wait)')
    .action(
      action(async (source: string, prompt: string, opts: AfterCreateOptions) => {
        const client = clientFrom(opts);
        const form = new FormData();
        form.set('prompt', prompt);
        await setSource(form, source);
        await afterCreate(client, (await client.edit(form)).body, opts);
      }),
    );
}
