// reelay create "prompt": a new video from a prompt (and optionally a reference image).
import { existsSync } from 'node:fs';
import { Option } from 'commander';
import { action, afterCreate, clientCommand, clientFrom, parseIntOption, type AfterCreateOptions } from './common.js';
import { fileBlob } from './client.js';

interface CreateOptions extends AfterCreateOptions {
  model?: string;
  seconds?: string;
  size?: string;
  inputReference?: string;
  fit?: string;
  seed?: number;
}

export function createCommand() {
  return clientCommand('create', 'create a video from a prompt', 'reelay create "a red kite over a meadow at sunset" --seconds 4 --size 1280x720 --wait -o kite.mp4')
    .argument('<prompt>', 'what the video shows')
    .option('-m, --model <model>', 'model id (see `reelay models`); the server defaults to sora-2')
    .option('-s, --seconds <seconds>', 'duration: 4, 8, 12, 16 or 20')
    .option('--size <WxH>', 'e.g. 1280x720 or 720x1280')
    .option('-i, --input-reference <file|url>', 'reference image (first frame): a JPEG/PNG/WebP file, or an https:// or data: URL')
    .addOption(new Option('--fit <policy>', 'how a reference of another size is fitted (reelay extension)').choices(['crop', 'pad', 'stretch', 'reject']))
    .option('--seed <n>', 'seed (reelay extension): same inputs and seed give the same video', parseIntOption('--seed'))
    .option('-w, --wait', 'wait until the video is completed or failed, showing progress')
    .option('-o, --output <file>', 'wait, then download the MP4 to this file (implies --wait)')
    .action(
      action(async (prompt: string, opts: CreateOptions) => {
        const client = clientFrom(opts);
        const form = new FormData();
        form.set('prompt', prompt);
        if (opts.model) form.set('model', opts.model);
        if (opts.seconds) form.set('seconds', opts.seconds);
        if (opts.size) form.set('size', opts.size);
        if (opts.seed !== undefined) form.set('seed', String(opts.seed));
        if (opts.fit) form.set('input_reference_fit', opts.fit);
        const ref = opts.inputReference;
        if (ref) {
          if (/^(https?:|data:)/i.test(ref) && !existsSync(ref)) form.set('input_reference[image_url]', ref);
          else {
            const { blob, name } = await fileBlob(ref);
            form.set('input_reference', blob, name);
          }
        }
        const { body } = await client.createVideo(form);
        await afterCreate(client, body, opts);
      }),
    );
}
