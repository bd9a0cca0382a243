// The videos domain's front door.
export * from './errors.js';
export * from './models.js';
export * from './present.js';
export { VideoService, newVideoId, type ServiceHooks } from './service.js';
export type { RequestInput, UploadedFile } from './validate.js';
