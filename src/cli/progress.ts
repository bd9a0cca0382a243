// Progress for long waits and downloads: a bar on a terminal (percent, elapsed, status),
// plain lines otherwise (only when something changed). Always on stderr: stdout is for results.
import cliProgress from 'cli-progress';

export interface Progress {
  update(percent: number, status: string): void;
  stop(): void;
}

export function progress(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar({
      stream,
      format: `${label} {bar} {percentage}% | {duration_formatted} | {status}`,
      barsize: 30,
      hideCursor: true,
      fps: 10,
    });
    bar.start(100, 0, { status: 'starting' });
    return {
      update: (percent, status) => bar.update(Math.max(0, Math.min(100, Math.round(percent))), { status }),
      stop: () => bar.stop(),
    };
  }
  const started = Date.now();
  let last = '';
  return {
    update(percent, status) {
      const line = `${label} ${status} ${Math.round(percent)}%`;
      if (line === last) return;
      last = line;
      stream.write(`${line} (${((Date.now() - started) / 1000).toFixed(1)}s)\n`);
    },
    stop() {},
  };
}
