// The engines' front door.
export * from './engine.js';
export { ThreadedLocalEngine } from './local/threaded.js';
export { UpstreamPool, parseUpstreams, type UpstreamConfig } from './upstream/index.js';
export { ComfyPool, parseComfyui, type ComfyConfig } from './comfyui/index.js';
