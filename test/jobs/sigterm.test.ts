// SIGTERM drains a real `reelay serve`: it stops taking jobs, reports not ready, finishes (or,
// past the grace period, interrupts) running work, exits 0; a restart finishes everything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, childServers, pollUntil, pollUntilTerminal, ProgressLog, sleep } from './helpers.js';

const KEY = 'sk-reelay-sigterm-test-0123456789';
const { dataDir, start } = childServers(KEY, 'reelay-term-');

/** Polls /readyz until the process is gone; returns the statuses seen. */
async function watchReadiness(url: string, exited: Promise<unknown>) {
  const seen: number[] = [];
  let gone = false;
  void exited.then(() => (gone = true));
  while (!gone) {
    try {
      const res = await fetch(`${url}/readyz`);
      seen.push(res.status);
      await res.arrayBuffer();
    } catch {
      break; // the listener closed
    }
    await sleep(50);
  }
  return seen;
}

test('SIGTERM while a job renders: not ready, the job finishes, exit 0; a restart runs what was queued', async () => {
  const dir = dataDir();
  const log = new ProgressLog();
  // A grace far longer than the render, so a loaded machine still finishes it while draining.
  const server = await start(dir, { REELAY_SHUTDOWN_GRACE_MS: '300000' });
  const a = api(server.url, KEY);
  const running = await a.create({ prompt: 'a sailboat crossing a bay at noon', seconds: '8' });
  const queued = await a.create({ prompt: 'a city park in autumn', seconds: '4' });
  await pollUntil(a, running.id, log, (v) => v.status === 'in_progress' && v.progress > 0);

  const exited = server.kill('SIGTERM');
  const readiness = await watchReadiness(server.url, exited);
  assert.equal(await exited, 0, server.output());
  // The first probe may land before the signal is handled; once draining, never ready again.
  const draining = readiness.indexOf(503);
  assert.ok(draining >= 0, `readyz while draining: ${readiness.join(',')}`);
  assert.ok(!readiness.slice(draining).includes(200), `readyz after draining began: ${readiness.join(',')}`);
  assert.match(server.output(), /SIGTERM: finishing running jobs/);

  const again = await start(dir);
  const b = api(again.url, KEY);
  const first = await b.get(running.id);
  log.record(first.body);
  assert.equal(first.body.status, 'completed', 'the draining process finished the running job');
  const done = await pollUntilTerminal(b, [running.id, queued.id], log);
  assert.equal(done.get(queued.id)!.status, 'completed');
  log.assertMonotonic();
  assert.equal((await b.content(running.id)).status, 200);
  assert.equal(await again.kill('SIGTERM'), 0);
});

test('past the shutdown grace a job is interrupted, not failed, and resumes on restart without spending an attempt', async () => {
  const dir = dataDir();
  const log = new ProgressLog();
  // One attempt only: if shutting down counted as an attempt, the restart would fail the job.
  const env = { REELAY_SHUTDOWN_GRACE_MS: '300', REELAY_JOB_MAX_ATTEMPTS: '1' };
  const server = await start(dir, env);
  const a = api(server.url, KEY);
  const v = await a.create({ prompt: 'a long train through mountains', seconds: '16' });
  const mid = await pollUntil(a, v.id, log, (x) => x.status === 'in_progress' && x.progress > 0);

  assert.equal(await server.kill('SIGTERM'), 0, server.output());

  const again = await start(dir, env);
  const b = api(again.url, KEY);
  const first = await b.get(v.id);
  log.record(first.body);
  assert.notEqual(first.body.status, 'failed', JSON.stringify(first.body));
  assert.ok(first.body.progress >= mid.progress);
  const done = await pollUntilTerminal(b, [v.id], log);
  assert.equal(done.get(v.id)!.status, 'completed', JSON.stringify(done.get(v.id)));
  log.assertMonotonic();
  assert.equal(await again.kill('SIGTERM'), 0);
});

test('SIGINT drains like SIGTERM; a second signal forces exit 1, and the job still completes after a restart', async () => {
  const dir = dataDir();
  const log = new ProgressLog();
  const env = { REELAY_SHUTDOWN_GRACE_MS: '300000' };
  const server = await start(dir, env);
  const a = api(server.url, KEY);
  const v = await a.create({ prompt: 'a waterfall in a jungle [reelay:slow=10]', seconds: '4' });
  await pollUntil(a, v.id, log, (x) => x.status === 'in_progress');

  const exited = new Promise<number | null>((r) => server.proc.once('exit', (code) => r(code)));
  server.proc.kill('SIGINT');
  // Draining: the job holds the process; readiness says so.
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${server.url}/readyz`);
    await res.arrayBuffer();
    if (res.status === 503) break;
    await sleep(50);
  }
  assert.match(server.output(), /SIGINT: finishing running jobs/);
  assert.equal(server.proc.exitCode, null, 'still draining');
  server.proc.kill('SIGTERM');
  assert.equal(await exited, 1);

  const again = await start(dir, env);
  const b = api(again.url, KEY);
  const done = await pollUntilTerminal(b, [v.id], log);
  assert.equal(done.get(v.id)!.status, 'completed', JSON.stringify(done.get(v.id)));
  log.assertMonotonic();
  assert.equal(await again.kill('SIGTERM'), 0);
});
