// Render threads start here: tsx compiles the TypeScript sources in the thread, as bin/reelay.js
// does for the main thread (a worker does not inherit the main thread's module hooks).
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
