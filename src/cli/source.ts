// The source of an edit or extension: a video id, or a video file to upload.
import { existsSync } from 'node:fs';
import { fileBlob } from './client.js';

export async function setSource(form: FormData, source: string): Promise<void> {
  if (!/^video_/.test(source) && existsSync(source)) {
    const { blob, name } = await fileBlob(source);
    form.set('video', blob, name);
  } else form.set('video[id]', source);
}
