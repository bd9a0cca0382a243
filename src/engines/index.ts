// The engines' front door.
export * from './engine.js';
export { LocalEngine } from './local/index.js';
export { UpstreamPool, parseUpstreams, type UpstreamConfig } from './upstream/index.js';
