// What every client command shares: connection options, --json, error reporting, video output.
import { Command, Option } from 'commander';
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client, type Video } from './client.js';
import { CliError, EXIT } from './errors.js';
import { progress } from './progress.js';
import { waitForVideo } from './wait.js';

export interface CommonOptions {
  baseUrl?: string;
  apiKey?: string;
  json?: boolean;
}

/** A client command: --base-url, --api-key, --json, and an example in --help. */
export function clientCommand(name: string, description: string, example: string): Command {
  return new Command(name)
    .description(description)
    .addOption(new Option('--base-url <url>', 'server base URL, up to /v1').env('REELAY_BASE_URL'))
    .addOption(new Option('--api-key <key>', 'API key (else $REELAY_API_KEY, then $OPENAI_API_KEY)'))
    .option('--json', 'print the raw JSON objects')
    .addHelpText('after', `\nExample:\n  ${example}\n`);
}

export const clientFrom = (opts: CommonOptions) => new Client({ baseUrl: opts.baseUrl, apiKey: opts.apiKey });

/** Wraps an action: errors print the server's message and set the documented exit code. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>) {
  return async (...args: A) => {
    const cmd = args[args.length - 1] as Command;
    const json = Boolean(cmd.opts().json);
    try {
      await fn(...args);
    } catch (err) {
      const e = err instanceof CliError ? err : new CliError((err as Error).message, EXIT.general);
      if (json && e.extra.body) printJson(e.extra.body);
      process.stderr.write(`reelay: ${e.message}\n`);
      process.exitCode = e.exitCode;
    }
  };
}

export function printJson(obj: unknown): void {
  process.stdout.write(`${JSON.stringify(obj, null, 2)}\n`);
}

export function describeVideo(v: Video): string {
  const bits = [`${v.id}  ${v.status}${v.status === 'in_progress' ? ` ${v.progress}%` : ''}`, `${v.model} ${v.size} ${v.seconds}s`];
  if (v.remixed_from_video_id) bits.push(`remix of ${v.remixed_from_video_id}`);
  let out = bits.join('  ');
  if (v.prompt) out += `\n  prompt: ${v.prompt}`;
  if (v.error) out += `\n  error: ${v.error.code}: ${v.error.message}`;
  return out;
}

export function parseIntOption(name: string) {
  return (value: string) => {
    if (!/^-?\d+$/.test(value)) throw new CliError(`${name} must be an integer, got '${value}'`, EXIT.usage);
    return Number(value);
  };
}

export interface AfterCreateOptions extends CommonOptions {
  wait?: boolean;
  output?: string;
}

/** After create/remix/edit/extend: print, or wait (with progress) and optionally download. */
export async function afterCreate(client: Client, video: Video, opts: AfterCreateOptions): Promise<void> {
  if (!opts.wait && !opts.output) {
    if (opts.json) printJson(video);
    else process.stdout.write(`${describeVideo(video)}\n`);
    return;
  }
  const bar = progress(video.id);
  let final: Video;
  try {
    final = await waitForVideo(client, video, (v) => bar.update(v.progress, v.status));
  } finally {
    bar.stop();
  }
  if (final.status === 'failed') {
    if (opts.json) printJson(final);
    const err = final.error;
    throw new CliError(`${final.id} failed: ${err ? `${err.code}: ${err.message}` : 'no error given'}`, EXIT.failed);
  }
  let saved: { path: string; bytes: number } | null = null;
  if (opts.output) saved = await saveContent(client, final.id, 'video', opts.output);
  if (opts.json) printJson(final);
  else process.stdout.write(`${describeVideo(final)}${saved ? `\n  saved: ${saved.path} (${formatBytes(saved.bytes)})` : ''}\n`);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Streams one variant to a file (or stdout for '-') with a progress bar on the byte count. */
export async function saveContent(client: Client, id: string, variant: string, path: string): Promise<{ path: string; bytes: number }> {
  const res = await client.content(id, variant);
  const total = Number(res.headers.get('content-length')) || 0;
  const bar = path === '-' ? null : progress(`${id} ${variant}`);
  let bytes = 0;
  const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
  body.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    bar?.update(total ? (bytes / total) * 100 : 0, `downloading ${formatBytes(bytes)}${total ? ` of ${formatBytes(total)}` : ''}`);
  });
  try {
    if (path === '-') await pipeline(body, process.stdout, { end: false });
    else await pipeline(body, createWriteStream(path));
    bar?.update(100, `saved ${formatBytes(bytes)}`);
  } catch (err) {
    throw new CliError(`could not write ${path}: ${(err as Error).message}`, EXIT.general);
  } finally {
    bar?.stop();
  }
  return { path, bytes };
}
