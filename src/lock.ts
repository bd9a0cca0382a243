// One reelay process per data dir: the embedded store and its job leases assume it.
import { readFileSync, writeFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

/** Is `pid` a live process that could be a reelay server? */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // After a crash the pid can be reused by anything (in a container, often): on Linux a process
  // that is not Node holds no reelay lock.
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('node');
  } catch {
    return true; // no /proc: trust the pid
  }
}

/** Another live process holds the data dir: an operator error, reported without a stack. */
export class LockError extends Error {}

export function acquireLock(dataDir: string): () => void {
  const file = join(dataDir, 'reelay.pid');
  try {
    const pid = Number(readFileSync(file, 'utf8'));
    if (pid && pid !== process.pid && alive(pid)) {
      throw new LockError(`another reelay process (pid ${pid}) is using ${dataDir}; stop it or choose another REELAY_DATA_DIR`);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  writeFileSync(file, String(process.pid));
  return () => {
    try {
      if (Number(readFileSync(file, 'utf8')) === process.pid) unlinkSync(file);
    } catch {
      /* already gone */
    }
  };
}
