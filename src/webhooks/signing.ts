// Standard Webhooks signing, as OpenAI signs its own webhooks (and as the official SDKs'
// `webhooks.unwrap()` verify): HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}", keyed by
// the base64-decoded secret after `whsec_`, sent as `v1,<base64>`; several space-separated.
import { createHmac, randomBytes } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';
/** After a rotation the old secret signs too, for this long. */
export const ROTATION_OVERLAP_MS = 24 * 3600_000;

export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

/** The HMAC key: base64 after `whsec_`; a secret without the prefix is used as its UTF-8 bytes (as the SDKs do). */
export function secretKey(secret: string): Buffer {
  return secret.startsWith(SECRET_PREFIX) ? Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64') : Buffer.from(secret, 'utf8');
}

/** One `v1,<base64>` signature. */
export function sign(secret: string, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', secretKey(secret)).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

export interface Signer {
  secret: string;
  oldSecret: string | null;
  /** Ms. */
  oldSecretUntil: number | null;
}

/** The `webhook-signature` value: the current secret's signature, then the old one's while it overlaps. */
export function signatureHeader(s: Signer, id: string, timestamp: number, body: string, nowMs = Date.now()): string {
  const sigs = [sign(s.secret, id, timestamp, body)];
  if (s.oldSecret && s.oldSecretUntil !== null && s.oldSecretUntil > nowMs) sigs.push(sign(s.oldSecret, id, timestamp, body));
  return sigs.join(' ');
}
