// One WebSocket per ComfyUI server, shared by every job on it: ComfyUI sends a prompt's events only
// to the client id that submitted it, so every prompt goes out with this socket's id. Reconnects
// with backoff; while it is down (and after each reconnect) the tracker polls /history instead.
import WebSocket from 'ws';
import type { Logger } from 'pino';

export interface SocketEvents {
  open(): void;
  close(): void;
  message(type: string, data: Record<string, unknown>): void;
}

const MIN_BACKOFF = 250;
const MAX_BACKOFF = 10_000;

export class ComfySocket {
  private ws: WebSocket | null = null;
  private timer: NodeJS.Timeout | null = null;
  private backoff = MIN_BACKOFF;
  private closed = false;
  connected = false;
  /** Opens, for tests and metrics. */
  opens = 0;

  constructor(
    private readonly url: string,
    private readonly headers: Record<string, string>,
    private readonly events: SocketEvents,
    private readonly log: Logger,
    private readonly tag: string,
  ) {}

  start(): void {
    if (this.closed || this.ws) return;
    const ws = new WebSocket(this.url, { headers: this.headers, handshakeTimeout: 10_000 });
    this.ws = ws;
    ws.on('open', () => {
      this.connected = true;
      this.opens++;
      this.backoff = MIN_BACKOFF;
      this.events.open();
    });
    ws.on('message', (raw, isBinary) => {
      if (isBinary) return; // previews
      let msg: unknown;
      try {
        msg = JSON.parse(raw.toString());
      } catch {
        return;
      }
      if (typeof msg !== 'object' || msg === null) return;
      const { type, data } = msg as { type?: unknown; data?: unknown };
      if (typeof type === 'string' && typeof data === 'object' && data !== null) this.events.message(type, data as Record<string, unknown>);
    });
    ws.on('error', () => {}); // 'close' follows
    ws.on('close', () => {
      const was = this.connected;
      this.connected = false;
      this.ws = null;
      if (was) this.log.warn({ comfyui: this.tag }, 'ComfyUI WebSocket closed; polling /history until it is back');
      this.events.close();
      if (this.closed) return;
      const wait = this.backoff * (0.75 + Math.random() * 0.5);
      this.backoff = Math.min(MAX_BACKOFF, this.backoff * 2);
      this.timer = setTimeout(() => {
        this.timer = null;
        this.start();
      }, wait);
      this.timer.unref();
    });
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.ws?.terminate();
    this.ws = null;
    this.connected = false;
  }
}
