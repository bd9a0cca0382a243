// The media front door: ffmpeg/ffprobe and image handling.
export * from './ffmpeg.js';
export * from './images.js';
export * from './i420.js';
