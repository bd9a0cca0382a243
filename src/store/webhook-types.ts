// Records the store keeps for webhooks: endpoints, the events written with each video's final
// state (the outbox), one delivery per endpoint and event, and every attempt made.
export const WEBHOOK_EVENT_TYPES = ['video.completed', 'video.failed'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export interface WebhookEndpoint {
  id: string;
  projectId: string;
  projectName: string;
  url: string;
  events: WebhookEventType[];
  /** `whsec_` + base64 of the key (what a receiver is given). */
  secret: string;
  /** The secret before the last rotation, still signed with until oldSecretUntil (ms). */
  oldSecret: string | null;
  oldSecretUntil: number | null;
  /** 'cli': made with `reelay webhooks create`; 'config': from the `webhooks` setting, synced at start. */
  source: 'cli' | 'config';
  /** Unix seconds. */
  createdAt: number;
  disabledAt: number | null;
  disabledReason: string | null;
}

export interface NewWebhookEndpoint {
  projectId: string;
  url: string;
  events: WebhookEventType[];
  secret: string;
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed' | 'cancelled';

/** A delivery claimed for one attempt, with what the attempt needs. */
export interface DueDelivery {
  seq: number;
  eventId: string;
  /** The event body, byte for byte the same on every attempt. */
  payload: string;
  /** Counting this one. */
  attempt: number;
  /** Ms; retries stop this long after it plus the configured maximum age. */
  startedAt: number;
  endpoint: WebhookEndpoint;
}

/** What one attempt came to. */
export type AttemptOutcome = 'delivered' | 'retry' | 'gave_up' | 'disabled';

export interface AttemptResult {
  /** Ms. */
  at: number;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  outcome: AttemptOutcome;
  /** Ms; for 'retry'. */
  nextAttemptAt: number | null;
}

export interface WebhookDelivery {
  seq: number;
  eventId: string;
  eventType: WebhookEventType;
  videoId: string;
  endpointId: string;
  /** null once the endpoint is deleted. */
  url: string | null;
  status: WebhookDeliveryStatus;
  attempts: number;
  /** Ms. */
  startedAt: number;
  nextAttemptAt: number | null;
  lastAttemptAt: number | null;
  lastStatusCode: number | null;
  lastError: string | null;
  finishedAt: number | null;
}

export interface WebhookAttempt {
  deliverySeq: number;
  /** Ms. */
  attemptedAt: number;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  outcome: AttemptOutcome;
}

export interface DeliveryQuery {
  endpointId?: string;
  /** Deliveries that gave up, and pending ones whose last attempt failed. */
  failed?: boolean;
  limit: number;
}

export interface WebhookStore {
  createEndpoint(e: NewWebhookEndpoint): Promise<WebhookEndpoint>;
  getEndpoint(id: string): Promise<WebhookEndpoint | null>;
  listEndpoints(): Promise<WebhookEndpoint[]>;
  /** Removes it; its pending deliveries are cancelled (delivered ones stay listed). */
  deleteEndpoint(id: string): Promise<boolean>;
  /** The old secret keeps signing (beside the new one) until `oldUntilMs`. */
  rotateSecret(id: string, secret: string, oldUntilMs: number): Promise<WebhookEndpoint | null>;
  /** Makes the config-sourced endpoints exactly these (matched by project and URL). */
  syncConfigEndpoints(list: NewWebhookEndpoint[], nowMs: number, rotationMs: number): Promise<{ created: number; updated: number; removed: number }>;

  /** Claims due deliveries (at most `perEndpoint` in flight per endpoint, counting `inFlight`) until `leaseUntilMs`. */
  claimDue(nowMs: number, leaseUntilMs: number, limit: number, perEndpoint: number, inFlight: Record<string, number>): Promise<DueDelivery[]>;
  recordAttempt(seq: number, r: AttemptResult): Promise<void>;
  /** An attempt cut short by shutdown: due again at once, and the attempt is not counted. */
  releaseAttempt(seq: number, nowMs: number): Promise<void>;
  /** Sends the event again to each of its endpoints (and to endpoints of its project subscribed since); returns how many. */
  redeliver(eventId: string, nowMs: number): Promise<number | null>;
  listDeliveries(q: DeliveryQuery): Promise<WebhookDelivery[]>;
  listAttempts(deliverySeq: number): Promise<WebhookAttempt[]>;
  /** Deliveries still pending. */
  backlog(): Promise<number>;
}
