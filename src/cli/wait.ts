// Waiting for a video to finish: the server's events stream when it has one, else polling that
// honours `openai-poll-after-ms`.
import { isTerminal, type Client, type Video } from './client.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitForVideo(client: Client, video: Video, onUpdate: (v: Video) => void): Promise<Video> {
  onUpdate(video);
  if (isTerminal(video)) return video;
  const fromStream = await followEvents(client, video.id, onUpdate).catch(() => null);
  if (fromStream) return fromStream;
  for (;;) {
    const { body, res } = await client.getVideo(video.id);
    onUpdate(body);
    if (isTerminal(body)) return body;
    const hint = Number(res.headers.get('openai-poll-after-ms'));
    await sleep(Number.isFinite(hint) && hint > 0 ? Math.min(Math.max(hint, 100), 10_000) : 1000);
  }
}

/** Follows /events to the final event; null when the stream is unavailable or ends early. */
async function followEvents(client: Client, id: string, onUpdate: (v: Video) => void): Promise<Video | null> {
  const ac = new AbortController();
  const res = await client.events(id, ac.signal);
  if (!res?.body) return null;
  const decoder = new TextDecoder();
  let buf = '';
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true }).replace(/\r\n/g, '\n');
      let end: number;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        let event = 'message';
        let data = '';
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data += line.slice(5).trim();
        }
        if (!data || event === 'error') continue;
        const v = JSON.parse(data) as Video;
        onUpdate(v);
        if (event === 'done' || isTerminal(v)) return v;
      }
    }
  } finally {
    ac.abort();
  }
  return null;
}
