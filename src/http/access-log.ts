// The request log: one JSON line per request in pino's own format, written straight to the
// logger's destination. pino's generic path (serializers, redaction, a child per request) cost
// more than the rest of a cached read; these fields are all ours and need none of it.
import pino, { type Logger } from 'pino';

export type AccessLog = (reqId: string, method: string, route: string, status: number, ms: number) => void;

export function accessLog(log: Logger): AccessLog {
  const internals = log as unknown as Record<symbol, unknown>;
  const stream = internals[pino.symbols.streamSym] as { write(line: string): unknown };
  const bindings = internals[pino.symbols.chindingsSym] as string; // ',"pid":…,"hostname":…'
  return (reqId, method, route, status, ms) => {
    if (!log.isLevelEnabled('info')) return;
    stream.write(
      `{"level":30,"time":${Date.now()}${bindings},"req_id":${JSON.stringify(reqId)},"method":"${method}",` +
        `"route":${JSON.stringify(route)},"status":${status},"ms":${ms},"msg":"request"}\n`,
    );
  };
}
