// reelay download ID: save the video (or its thumbnail or spritesheet) to a file.
import { Option } from 'commander';
import { action, clientCommand, clientFrom, formatBytes, printJson, saveContent, type CommonOptions } from './common.js';

const EXT: Record<string, string> = { video: 'mp4', thumbnail: 'webp', spritesheet: 'jpg' };

export function downloadCommand() {
  return clientCommand('download', 'download a completed video or one of its images', 'reelay download video_0123... --variant thumbnail -o thumb.webp')
    .argument('<id>', 'video id')
    .addOption(new Option('--variant <variant>', 'which asset').choices(['video', 'thumbnail', 'spritesheet']).default('video'))
    .option('-o, --output <file>', "where to write it ('-' for stdout); default ID.mp4, ID.webp or ID.jpg")
    .action(
      action(async (id: string, opts: CommonOptions & { variant: string; output?: string }) => {
        const path = opts.output ?? `${id}.${EXT[opts.variant]}`;
        const saved = await saveContent(clientFrom(opts), id, opts.variant, path);
        if (path === '-') return;
        if (opts.json) printJson({ id, variant: opts.variant, path: saved.path, bytes: saved.bytes });
        else process.stdout.write(`${saved.path} (${formatBytes(saved.bytes)})\n`);
      }),
    );
}
