// Render threads start here. tsx compiles the TypeScript sources in the thread (a worker does not
// inherit the main thread's module hooks). Its require hook works in the thread itself; the ESM
// hooks would start one more thread, and isolate, per render thread (about 10 MB more).
require('tsx/cjs/api').register();
require('./worker.ts');
