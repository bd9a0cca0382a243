// reelay projects list|limits: each project's own rate limit and quota, in the local data dir.
import { Command } from 'commander';
import type { ProjectLimits } from '../store/index.js';
import { withStore } from './local-store.js';

/** A whole number (0 turns the limit off for the project), `default` (null: the server's setting), or undefined when invalid. */
function limitValue(raw: string): number | null | undefined {
  if (raw === 'default') return null;
  return /^\d+$/.test(raw) ? Number(raw) : undefined;
}

const show = (v: number | null, unit: string) => (v === null ? "server's setting" : v === 0 ? 'none' : `${v}${unit}`);

export function projectsCommand() {
  const projects = new Command('projects').description("projects' own rate limits and quotas");
  projects
    .command('list')
    .description('list projects with their limits')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      withStore(async (store) => {
        const list = await store.listProjects();
        if (opts.json) return console.log(JSON.stringify(list));
        for (const p of list) {
          console.log(`${p.id}  ${p.name.padEnd(16)} rate limit: ${show(p.limits.rateLimitRpm, '/min')}  quota: ${show(p.limits.quotaSecondsPerDay, ' s/day')}`);
        }
      }),
    );
  projects
    .command('limits')
    .description("set a project's own limits (it is created if new); a running server applies them on its next request")
    .argument('<name>', 'project name')
    .option('--rate-limit-rpm <n>', "requests per minute; 0 = none; 'default' = REELAY_RATE_LIMIT_RPM")
    .option('--quota-seconds-per-day <n>', "seconds of video per 24 h; 0 = none; 'default' = REELAY_QUOTA_SECONDS_PER_DAY")
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  reelay projects limits mobile-app --rate-limit-rpm 120 --quota-seconds-per-day 3600\n')
    .action((name: string, opts: { rateLimitRpm?: string; quotaSecondsPerDay?: string; json?: boolean }, cmd: Command) => {
      const patch: Partial<ProjectLimits> = {};
      for (const [key, flag] of [['rateLimitRpm', '--rate-limit-rpm'], ['quotaSecondsPerDay', '--quota-seconds-per-day']] as const) {
        const raw = opts[key];
        if (raw === undefined) continue;
        const value = limitValue(raw);
        if (value === undefined) cmd.error(`error: option '${flag} <n>' expected a whole number, or 'default' for the server's setting; got '${raw}'`);
        patch[key] = value as number | null;
      }
      return withStore(async (store) => {
        const p = await store.setProjectLimits(name, patch);
        if (opts.json) return console.log(JSON.stringify(p));
        console.log(`${p.name}: rate limit: ${show(p.limits.rateLimitRpm, '/min')}, quota: ${show(p.limits.quotaSecondsPerDay, ' s/day')}`);
      });
    });
  return projects;
}
