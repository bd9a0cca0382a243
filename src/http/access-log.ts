// The request log: one JSON line per request in pino's own format, written straight to the
// logger's destination. pino's generic path (serializers, redaction, a child per request) cost
// more than the rest of a cached read; these fields are all ours and need none of it.
//
// Lines are gathered for one turn of the event loop and handed over in one write: the
// destination measures the byte length of its pending buffer on every write, which per line
// cost more than building the line.
import pino, { type Logger } from 'pino';

export interface AccessLog {
  (reqId: string, method: string, route: string, status: number, ms: number): void;
  /** Hands the lines gathered so far to the destination now. */
  flush(): void;
}

export function accessLog(log: Logger): AccessLog {
  const internals = log as unknown as Record<symbol, unknown>;
  const stream = internals[pino.symbols.streamSym] as { write(line: string): unknown };
  const bindings = internals[pino.symbols.chindingsSym] as string; // ',"pid":…,"hostname":…'
  let pending = '';
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending === '') return;
    const lines = pending;
    pending = '';
    stream.write(lines);
  };
  const write = (reqId: string, method: string, route: string, status: number, ms: number) => {
    if (!log.isLevelEnabled('info')) return;
    pending +=
      `{"level":30,"time":${Date.now()}${bindings},"req_id":${JSON.stringify(reqId)},"method":"${method}",` +
      `"route":${JSON.stringify(route)},"status":${status},"ms":${ms},"msg":"request"}\n`;
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  return Object.assign(write, { flush });
}
