// The webhooks front door: signing, safe destinations, the deliverer loop, and endpoint management.
export { Deliverer, retryDelayMs, USER_AGENT, type DelivererOptions, type DelivererHooks } from './deliverer.js';
export { sign, signatureHeader, generateSecret, secretKey, SECRET_PREFIX, ROTATION_OVERLAP_MS } from './signing.js';
export { checkUrl, checkDestination, DestinationError } from './destination.js';
export { postJson, type PostResult } from './client.js';
export { createEndpoint, rotateSecret, syncConfigEndpoints, type NewEndpointInput } from './endpoints.js';
export { parseWebhooks, parseEvents, EVENT_TYPES, type WebhookConfig } from './config.js';
