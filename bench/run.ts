// npm run bench: every benchmark, each printing its figure next to a baseline measured in the same run.
// Pick some with BENCH_ONLY=http,local,upstream,comfyui,store.
import { existsSync } from 'node:fs';

const only = (process.env.BENCH_ONLY ?? 'http,local,upstream,comfyui,store').split(',');

const benches: [string, string, string][] = [
  ['http', './http.ts', 'runHttpBench'],
  ['local', './local-engine.ts', 'runLocalEngineBench'],
  ['upstream', './upstream.ts', 'runUpstreamBench'],
  ['comfyui', './comfyui.ts', 'runComfyuiBench'],
  ['store', './store-scale.ts', 'runStoreScaleBench'],
];

for (const [name, file, fn] of benches) {
  if (!only.includes(name)) continue;
  if (!existsSync(new URL(file, import.meta.url))) continue;
  console.log(`\n== ${name} ==`);
  const mod = (await import(file)) as Record<string, () => Promise<void>>;
  await mod[fn]();
}
