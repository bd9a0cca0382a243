// reelay doctor: what this machine's reelay would use (ffmpeg, store, engines, upstreams) and
// whether the server at --base-url and each configured upstream answer.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type Config } from '../config/index.js';
import { connectBlobs } from '../blobs/index.js';
import { tools, run } from '../media/index.js';
import { ModelCatalog } from '../videos/index.js';
import { action, clientCommand, printJson, type CommonOptions } from './common.js';
import { resolveApiKey, resolveBaseUrl } from './client.js';
import { CliError, EXIT } from './errors.js';

interface Check {
  ok: boolean;
  detail: string;
}

/** Any answer but a refused key or a server error counts as reachable (not every server has /models). */
async function reach(url: string, key: string | undefined): Promise<Check> {
  try {
    const res = await fetch(url, { headers: key ? { authorization: `Bearer ${key}` } : {}, signal: AbortSignal.timeout(5000) });
    await res.body?.cancel();
    if (res.status === 401 || res.status === 403) return { ok: false, detail: `HTTP ${res.status} (key refused)` };
    return { ok: res.status < 500, detail: `HTTP ${res.status} from ${url}` };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    return { ok: false, detail: `unreachable: ${cause?.code ?? (cause as { message?: string } | undefined)?.message ?? (err as Error).message}` };
  }
}

async function toolVersion(bin: string): Promise<Check> {
  try {
    const out = (await run(bin, ['-version'])).toString().split('\n')[0];
    return { ok: true, detail: out.replace(/ Copyright.*/, '') };
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  }
}

/** Disk, or the S3 bucket reached as `reelay serve` would (its start check). */
async function blobsCheck(cfg: Config): Promise<Check & { kind: string; path: string }> {
  if (!cfg.s3Bucket) return { kind: 'disk', path: join(cfg.dataDir, 'blobs'), ok: true, detail: '' };
  const path = `s3://${cfg.s3Bucket}/${cfg.s3Prefix}`;
  try {
    (await connectBlobs(cfg)).close?.();
    return { kind: 's3', path, ok: true, detail: cfg.s3Endpoint ?? 'AWS' };
  } catch (err) {
    return { kind: 's3', path, ok: false, detail: (err as Error).message };
  }
}

export function doctorCommand() {
  return clientCommand('doctor', 'check ffmpeg, the store, engines, upstreams and the server', 'reelay doctor --base-url http://127.0.0.1:8080/v1')
    .option('-c, --config <file>', 'config file (JSON); default $REELAY_CONFIG or ./reelay.config.json')
    .action(
      action(async (opts: CommonOptions & { config?: string }) => {
        const cfg = loadConfig({ file: opts.config });
        const t = tools({ ffmpegPath: cfg.ffmpegPath, ffprobePath: cfg.ffprobePath });
        const db = join(cfg.dataDir, 'reelay.db');
        const upstreams = cfg.upstreams;
        const localModels = new ModelCatalog().list().filter((m) => m.engine === 'local').map((m) => m.id);
        const baseUrl = resolveBaseUrl(opts.baseUrl);

        const report = {
          ffmpeg: { path: t.ffmpeg, ...(await toolVersion(t.ffmpeg)) },
          ffprobe: { path: t.ffprobe, ...(await toolVersion(t.ffprobe)) },
          store: {
            kind: 'sqlite',
            path: db,
            ok: true,
            detail: existsSync(db) ? `${(statSync(db).size / 1024).toFixed(0)} KB` : 'not created yet (made on first `reelay serve`)',
          },
          blobs: await blobsCheck(cfg),
          engines: [
            { id: 'local', models: localModels },
            ...upstreams.map((u) => ({ id: `upstream:${u.id}`, models: Object.keys(u.models) })),
          ],
          upstreams: await Promise.all(
            upstreams.map(async (u) => ({ id: u.id, baseUrl: u.baseUrl, ...(await reach(`${u.baseUrl}/models`, u.apiKeyEnv ? process.env[u.apiKeyEnv] : undefined)) })),
          ),
          server: { baseUrl, ...(await reach(`${baseUrl}/models`, resolveApiKey(opts.apiKey))) },
        };
        const problems = [report.ffmpeg, report.ffprobe, report.blobs, ...report.upstreams].filter((c) => !c.ok).length;

        if (opts.json) printJson({ ...report, ok: problems === 0 });
        else {
          const mark = (c: Check) => (c.ok ? 'ok  ' : 'FAIL');
          const lines = [
            `${mark(report.ffmpeg)} ffmpeg    ${report.ffmpeg.path}  (${report.ffmpeg.detail})`,
            `${mark(report.ffprobe)} ffprobe   ${report.ffprobe.path}  (${report.ffprobe.detail})`,
            `ok   store     sqlite ${db}  (${report.store.detail})`,
            `${mark(report.blobs)} blobs     ${report.blobs.kind} ${report.blobs.path}${report.blobs.detail ? `  (${report.blobs.detail})` : ''}`,
            ...report.engines.map((e) => `ok   engine    ${e.id}: ${e.models.join(', ') || 'no models'}`),
            ...(report.upstreams.length ? report.upstreams.map((u) => `${mark(u)} upstream  ${u.id} ${u.baseUrl}  (${u.detail})`) : ['     upstream  none configured']),
            `${report.server.ok ? 'ok  ' : 'warn'} server    ${report.server.baseUrl}  (${report.server.detail})`,
          ];
          process.stdout.write(`${lines.join('\n')}\n`);
        }
        // The server at --base-url may simply not be running here; only local problems fail doctor.
        if (problems) throw new CliError(`${problems} problem(s) found`, EXIT.general);
      }),
    );
}
