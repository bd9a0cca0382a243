// The request log: one JSON line per request in pino's own format, written straight to the
// logger's destination. pino's generic path (serializers, redaction, a child per request) cost
// more than the rest of a cached read; these fields are all ours and need none of it.
//
// Lines are gathered and handed over 16 KiB at a time, or after FLUSH_MS: the destination
// measures the byte length of its whole pending buffer on every write, which per line cost more
// than building the line. The destination itself writes asynchronously, so no reader sees a
// line sooner than this anyway; only the order against other log lines can shift by FLUSH_MS.
import pino, { type Logger } from 'pino';

const BATCH_CHARS = 16 * 1024;
const FLUSH_MS = 20;

export interface AccessLog {
  (reqId: string, method: string, route: string, status: number, ms: number): void;
  /** Hands the lines gathered so far to the destination now. */
  flush(): void;
}

export function accessLog(log: Logger): AccessLog {
  const internals = log as unknown as Record<symbol, unknown>;
  const stream = internals[pino.symbols.streamSym] as { write(line: string): unknown };
  const bindings = internals[pino.symbols.chindingsSym] as string; // ',"pid":…,"hostname":…'
  // Routes are a small fixed set: each one's JSON form is made once.
  const routeJson = new Map<string, string>();
  let pending = '';
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (pending === '') return;
    const lines = pending;
    pending = '';
    stream.write(lines);
  };
  const write = (reqId: string, method: string, route: string, status: number, ms: number) => {
    if (!log.isLevelEnabled('info')) return;
    let routeText = routeJson.get(route);
    if (routeText === undefined) routeJson.set(route, (routeText = JSON.stringify(route)));
    // Request ids are reelay's own (letters, digits and '_'), so they need no escaping.
    pending +=
      `{"level":30,"time":${Date.now()}${bindings},"req_id":"${reqId}","method":"${method}",` +
      `"route":${routeText},"status":${status},"ms":${ms},"msg":"request"}\n`;
    if (pending.length >= BATCH_CHARS) flush();
    else timer ??= setTimeout(flush, FLUSH_MS).unref();
  };
  return Object.assign(write, { flush });
}
