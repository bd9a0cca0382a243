// What /proc tells about processes (Linux; null elsewhere): the benches read CPU time and memory
// here, because wall time on a shared machine swings with whatever else it runs.
import { readFileSync } from 'node:fs';

/** Fields of /proc/<pid>/stat after the command name (utime is [11], cutime [13]), or null. */
function statFields(pid: number | 'self'): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  } catch {
    return null;
  }
}

/** CPU time (user + system, all threads) the process has used so far, in ms (at 100 ticks a second). */
export function cpuMs(pid: number | 'self'): number | null {
  const f = statFields(pid);
  return f ? (Number(f[11]) + Number(f[12])) * 10 : null;
}

/** CPU time of this process's children that have finished and been waited for, in ms. */
export function childrenCpuMs(): number | null {
  const f = statFields('self');
  return f ? (Number(f[13]) + Number(f[14])) * 10 : null;
}

/**
 * This process's peak RSS in MB. VmHWM counts this program only; getrusage's maxRSS also keeps
 * the high-water mark from before exec, when a child was still a copy of its parent.
 */
export function peakRssMb(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
}
