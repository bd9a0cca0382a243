// The HTTP front door.
export { buildApp, type AppDeps } from './app.js';
export { Authenticator, createKey, hashKey, keyHint, DEFAULT_PROJECT } from './auth.js';
export { Metrics } from './metrics.js';
