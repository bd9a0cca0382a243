// The contract's object shapes, built from records.
import type { CharacterRecord, VideoRecord } from '../store/index.js';

export interface VideoObject {
  id: string;
  object: 'video';
  model: string;
  status: VideoRecord['status'];
  progress: number;
  created_at: number;
  completed_at: number | null;
  expires_at: number | null;
  prompt: string | null;
  size: string;
  seconds: string;
  remixed_from_video_id: string | null;
  error: { code: string; message: string } | null;
}

export function videoObject(v: VideoRecord): VideoObject {
  return {
    id: v.id,
    object: 'video',
    model: v.model,
    status: v.status,
    progress: v.status === 'completed' ? 100 : Math.min(99, v.progress),
    created_at: v.createdAt,
    completed_at: v.completedAt,
    expires_at: v.status === 'completed' ? v.expiresAt : null,
    prompt: v.prompt,
    size: v.size,
    seconds: v.seconds,
    remixed_from_video_id: v.remixedFromVideoId,
    error: v.status === 'failed' ? { code: v.errorCode ?? 'internal_error', message: v.errorMessage ?? 'The video failed.' } : null,
  };
}

// A finished video's record comes from the store's cache as the same object each time, and its
// JSON is kept beside it: polling a finished video costs no serialization.
const finishedJson = new WeakMap<VideoRecord, string>();

/** The video object as JSON text, remembered for finished videos (their record no longer changes). */
export function videoJson(v: VideoRecord): string {
  const terminal = v.status === 'completed' || v.status === 'failed';
  let body = terminal ? finishedJson.get(v) : undefined;
  if (body === undefined) {
    body = JSON.stringify(videoObject(v));
    if (terminal) finishedJson.set(v, body);
  }
  return body;
}

export function characterObject(c: CharacterRecord) {
  return { id: c.id, name: c.name, created_at: c.createdAt };
}
