// Where a webhook may be sent: https only, and never to loopback, private or link-local addresses,
// unless webhookAllowPrivate is set (which also allows plain http, for local development and tests).
// Checked when an endpoint is made (with its name resolved) and again on every attempt, where the
// connect-time lookup refuses a private address: the address checked is the one connected to.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isPrivateAddress } from '../net/index.js';

export class DestinationError extends Error {}

/** The URL alone (scheme, literal addresses): throws DestinationError with a message for the operator. */
export function checkUrl(raw: string, allowPrivate: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DestinationError(`'${raw.slice(0, 200)}' is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new DestinationError(`webhook URLs must be https (got ${url.protocol})`);
  if (url.protocol === 'http:' && !allowPrivate) {
    throw new DestinationError('webhook URLs must be https (plain http only with webhookAllowPrivate / REELAY_WEBHOOK_ALLOW_PRIVATE)');
  }
  if (url.username || url.password) throw new DestinationError('webhook URLs may not carry a user name or password');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && !allowPrivate && isPrivateAddress(host)) throw new DestinationError(privateMessage(host, host));
  return url;
}

const privateMessage = (host: string, address: string) =>
  `${host === address ? address : `${host} resolves to ${address}, which`} is a loopback, private or link-local address; ` +
  'webhooks may not be sent there unless webhookAllowPrivate / REELAY_WEBHOOK_ALLOW_PRIVATE is set';

/** The URL and every address its host resolves to. A name that does not resolve is refused too. */
export async function checkDestination(raw: string, allowPrivate: boolean): Promise<URL> {
  const url = checkUrl(raw, allowPrivate);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) || allowPrivate) return url;
  let addresses: { address: string }[];
  try {
    addresses = await lookup(host, { all: true });
  } catch (err) {
    throw new DestinationError(`${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const bad = addresses.find((a) => isPrivateAddress(a.address));
  if (bad) throw new DestinationError(privateMessage(host, bad.address));
  return url;
}
