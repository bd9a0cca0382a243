// reelay list: your videos, newest first; --all follows the cursor to the end.
import { Option } from 'commander';
import { action, clientCommand, clientFrom, parseIntOption, printJson, type CommonOptions } from './common.js';
import type { Video } from './client.js';

interface ListOptions extends CommonOptions {
  limit?: number;
  all?: boolean;
  order?: string;
  after?: string;
}

function row(v: Video): string {
  const when = new Date(v.created_at * 1000).toISOString().slice(0, 16).replace('T', ' ');
  const state = v.status === 'in_progress' ? `in_progress ${v.progress}%` : v.status;
  const prompt = (v.prompt ?? '').replace(/\s+/g, ' ');
  return `${v.id}  ${state.padEnd(15)} ${v.model.padEnd(10)} ${v.size.padEnd(9)} ${v.seconds.padStart(3)}s  ${when}  ${prompt.length > 50 ? `${prompt.slice(0, 49)}…` : prompt}`;
}

export function listCommand() {
  return clientCommand('list', 'list your videos (newest first)', 'reelay list --limit 5')
    .option('-l, --limit <n>', 'videos per page (1-100)', parseIntOption('--limit'))
    .option('-a, --all', 'follow the cursor through every page')
    .option('--after <id>', 'start after this video id')
    .addOption(new Option('--order <order>', 'by creation time').choices(['asc', 'desc']))
    .action(
      action(async (opts: ListOptions) => {
        const client = clientFrom(opts);
        const first = (await client.listVideos({ limit: opts.limit, after: opts.after, order: opts.order })).body;
        const data = [...first.data];
        let page = first;
        while (opts.all && page.has_more && page.last_id) {
          page = (await client.listVideos({ limit: opts.limit, after: page.last_id, order: opts.order })).body;
          data.push(...page.data);
        }
        if (opts.json) {
          printJson(opts.all ? { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null, has_more: false } : first);
          return;
        }
        for (const v of data) process.stdout.write(`${row(v)}\n`);
        if (!data.length) process.stdout.write('no videos\n');
        else if (!opts.all && first.has_more) process.stdout.write(`(more: reelay list --after ${first.last_id}, or --all)\n`);
      }),
    );
}
