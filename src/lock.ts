// One reelay process per data dir: the embedded store and its job leases assume it.
import { readFileSync, writeFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
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
