// The engines' front door.
export * from './engine.js';
export { LocalEngine } from './local/index.js';
