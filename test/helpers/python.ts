// A Python virtualenv with the official `openai` package, for the Python SDK conformance suite.
// It lives in <project>/.venv-python (git-ignored) and is kept across runs: the install is
// skipped while a stamp inside the venv holds the sha256 of test/conformance/python/requirements.txt,
// and the venv is made anew when that file changes.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const PROJECT_ROOT = resolve(import.meta.dirname, '../..');
export const PYTHON_SUITE_DIR = join(PROJECT_ROOT, 'test', 'conformance', 'python');
export const PYTHON_REQUIREMENTS = join(PYTHON_SUITE_DIR, 'requirements.txt');
export const VENV_DIR = join(PROJECT_ROOT, '.venv-python');
const STAMP = join(VENV_DIR, 'reelay-requirements.sha256');

const venvPython = () => (process.platform === 'win32' ? join(VENV_DIR, 'Scripts', 'python.exe') : join(VENV_DIR, 'bin', 'python'));

interface Ran {
  code: number | null;
  output: string;
  /** Set when the program could not be started at all (ENOENT: not on PATH). */
  spawnError?: NodeJS.ErrnoException;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 300_000): Promise<Ran> {
  return new Promise((done) => {
    execFile(cmd, args, { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      if (!err) return done({ code: 0, output });
      const e = err as NodeJS.ErrnoException & { code?: number | string; killed?: boolean };
      if (typeof e.code === 'string') return done({ code: null, output, spawnError: e });
      done({ code: typeof e.code === 'number' ? e.code : null, output: `${output}${e.killed ? `\n(killed after ${timeoutMs} ms)` : ''}` });
    });
  });
}

/** The command that runs python3 here, or null when there is none on PATH. */
async function findPython3(): Promise<string | null> {
  const probe = await run('python3', ['-c', 'import sys; print(sys.version)'], process.env, 60_000);
  if (probe.spawnError?.code === 'ENOENT') return null;
  // A version manager's shim with no interpreter behind it says so with 127, as a shell does.
  if (probe.code === 127) return null;
  if (probe.spawnError) throw new Error(`python3 could not be started: ${probe.spawnError.message}`);
  if (probe.code !== 0) throw new Error(`python3 is on PATH but does not run (exit ${probe.code}):\n${probe.output}`);
  return 'python3';
}

export function requirementsHash(): string {
  return createHash('sha256').update(readFileSync(PYTHON_REQUIREMENTS)).digest('hex');
}

/**
 * The venv's python, with requirements.txt installed; null when python3 is not on PATH (the
 * caller skips). In CI (CI=true) a missing python3 is an error, never a skip.
 */
export async function ensurePythonEnv(): Promise<string | null> {
  const python3 = await findPython3();
  if (!python3) {
    if (process.env.CI === 'true') throw new Error('python3 not found on PATH: CI must run the Python SDK conformance suite (install python3 with venv and pip)');
    return null;
  }
  const hash = requirementsHash();
  const python = venvPython();
  if (existsSync(python) && existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === hash) return python;

  // New, changed or half-made: start from an empty venv so nothing stale stays installed.
  rmSync(VENV_DIR, { recursive: true, force: true });
  const venv = await run(python3, ['-m', 'venv', VENV_DIR]);
  if (venv.code !== 0) throw new Error(`python3 -m venv ${VENV_DIR} failed (on Debian: apt-get install python3-venv):\n${venv.output}`);
  // PIP_RETRIES=0 unless set: where the package index is unreachable pip would otherwise spend
  // minutes retrying before it falls back to the configured local indexes.
  const env = { ...process.env, PIP_RETRIES: process.env.PIP_RETRIES ?? '0', PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1' };
  const pip = await run(python, ['-m', 'pip', 'install', '-r', PYTHON_REQUIREMENTS], env, 300_000);
  if (pip.code !== 0) {
    rmSync(VENV_DIR, { recursive: true, force: true });
    throw new Error(`pip install -r ${PYTHON_REQUIREMENTS} failed (exit ${pip.code}):\n${pip.output}`);
  }
  writeFileSync(`${STAMP}.tmp`, `${hash}\n`);
  renameSync(`${STAMP}.tmp`, STAMP);
  return python;
}
