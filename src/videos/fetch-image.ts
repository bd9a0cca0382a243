// Fetches an input_reference image_url: data: URLs decoded in place; http(s) with a size and
// time cap, at most 3 redirects, and private, loopback and link-local addresses refused at
// connect time (so DNS cannot be used to sneak past the check).
import http from 'node:http';
import https from 'node:https';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { invalidValue } from './errors.js';

const PARAM = 'input_reference.image_url';

export interface FetchOptions {
  allowPrivate: boolean;
  timeoutMs: number;
  maxBytes: number;
}

export function isPrivateAddress(ip: string): boolean {
  if (ip.startsWith('::ffff:')) ip = ip.slice(7);
  if (isIP(ip) === 4) {
    const [a, b] = ip.split('.').map(Number);
    return a === 0 || a === 10 || a === 127 || (a === 100 && b >= 64 && b < 128) || (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168) || (a === 198 && (b === 18 || b === 19)) || a >= 224;
  }
  const l = ip.toLowerCase();
  return l === '::' || l === '::1' || l.startsWith('fc') || l.startsWith('fd') || l.startsWith('fe8') || l.startsWith('fe9') ||
    l.startsWith('fea') || l.startsWith('feb') || l.startsWith('ff');
}

function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as LookupAddress[];
      const bad = !allowPrivate && list.find((a) => isPrivateAddress(a.address));
      if (bad) return callback(Object.assign(new Error('private address'), { code: 'EPRIVATE' }), '', 0);
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}

function decodeDataUrl(url: string, maxBytes: number): Buffer {
  const m = /^data:([^,]*?)(;base64)?,(.*)$/s.exec(url);
  if (!m) throw invalidValue(PARAM, 'Invalid image_url: the data: URL is malformed.');
  if (url.length > maxBytes * 1.4 + 100) throw invalidValue(PARAM, 'Invalid image_url: the image is too large.');
  return m[2] ? Buffer.from(m[3], 'base64') : Buffer.from(decodeURIComponent(m[3]), 'latin1');
}

export async function fetchImage(url: string, opts: FetchOptions): Promise<Buffer> {
  if (url.startsWith('data:')) return decodeDataUrl(url, opts.maxBytes);
  let current = url;
  for (let hop = 0; hop <= 3; hop++) {
    let parsed: URL;
    try {
      parsed = new URL(current);
    } catch {
      throw invalidValue(PARAM, `Invalid image_url: '${current.slice(0, 200)}' is not a URL.`);
    }
    const httpOk = parsed.protocol === 'http:' && opts.allowPrivate;
    if (parsed.protocol !== 'https:' && !httpOk) throw invalidValue(PARAM, 'Invalid image_url: only https and data: URLs are accepted.');
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) && !opts.allowPrivate && isPrivateAddress(host)) {
      throw invalidValue(PARAM, 'Invalid image_url: private, loopback and link-local addresses are not allowed.');
    }
    const res = await get(parsed, opts);
    if (res.redirect) {
      current = new URL(res.redirect, parsed).toString();
      continue;
    }
    return res.body!;
  }
  throw invalidValue(PARAM, 'Invalid image_url: too many redirects.');
}

function get(url: URL, opts: FetchOptions): Promise<{ redirect?: string; body?: Buffer }> {
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.get(url, { lookup: guardedLookup(opts.allowPrivate), timeout: opts.timeoutMs }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        return resolve({ redirect: res.headers.location });
      }
      if (status !== 200) {
        res.resume();
        return reject(invalidValue(PARAM, `Invalid image_url: fetching it answered HTTP ${status}.`));
      }
      const chunks: Buffer[] = [];
      let total = 0;
      res.on('data', (c: Buffer) => {
        total += c.length;
        if (total > opts.maxBytes) {
          req.destroy();
          reject(invalidValue(PARAM, 'Invalid image_url: the image is too large.'));
        } else chunks.push(c);
      });
      res.on('end', () => resolve({ body: Buffer.concat(chunks) }));
      res.on('error', () => reject(invalidValue(PARAM, 'Invalid image_url: the download failed.')));
    });
    const deadline = setTimeout(() => req.destroy(new Error('timeout')), opts.timeoutMs);
    req.on('close', () => clearTimeout(deadline));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPRIVATE') reject(invalidValue(PARAM, 'Invalid image_url: private, loopback and link-local addresses are not allowed.'));
      else if (err.message === 'timeout') reject(invalidValue(PARAM, 'Invalid image_url: fetching it timed out.'));
      else reject(invalidValue(PARAM, 'Invalid image_url: it could not be fetched.'));
    });
  });
}
