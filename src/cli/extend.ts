// reelay extend ID|FILE "prompt" --seconds N: continue a video; the result is the stitched total.
import { action, afterCreate, clientCommand, clientFrom, type AfterCreateOptions } from './common.js';
import { setSource } from './source.js';

export function extendCommand() {
  return clientCommand('extend', 'extend a completed video (or an uploaded MP4) by some seconds', 'reelay extend video_0123... "the kite flies higher" --seconds 4 --wait')
    .argument('<source>', 'completed video id, or a video file to upload')
    .argument('<prompt>', 'what happens next')
    .requiredOption('-s, --seconds <seconds>', 'seconds to add: 4, 8, 12, 16 or 20')
    .option('-w, --wait', 'wait until the extension is completed or failed, showing progress')
    .option('-o, --output <file>', 'wait, then download the MP4 to this file (implies --wait)')
    .action(
      action(async (source: string, prompt: string, opts: AfterCreateOptions & { seconds: string }) => {
        const client = clientFrom(opts);
        const form = new FormData();
        form.set('prompt', prompt);
        form.set('seconds', opts.seconds);
        await setSource(form, source);
        await afterCreate(client, (await client.extend(form)).body, opts);
      }),
    );
}
