// Fetches an input_reference image_url: data: URLs decoded in place; http(s) with a size and
// time cap, at most 3 redirects, and private, loopback and link-local addresses refused at
// connect time (so DNS cannot be used to sneak past the check).
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { guardedLookup, isPrivateAddress } from '../net/index.js';
import { invalidValue } from './errors.js';

export { isPrivateAddress };

const PARAM = 'input_reference.image_url';

export interface FetchOptions {
  allowPrivate: boolean;
  timeoutMs: number;
  maxBytes: number;
}

function decodeDataUrl(url: string, maxBytes: number): Buffer {
  const m = /^data:([^,]*?)(;base64)?,(.*)$/s.exec(url);
  if (!m) throw invalidValue(PARAM, 'Invalid image_url: the data: URL is malformed.');
  if (url.length > maxBytes * 1.4 + 100) throw invalidValue(PARAM, 'Invalid image_url: the image is too large.');
  if (m[2]) return Buffer.from(m[3], 'base64');
  try {
    return Buffer.from(decodeURIComponent(m[3]), 'latin1');
  } catch {
    throw invalidValue(PARAM, 'Invalid image_url: the data: URL is malformed.');
  }
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
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw invalidValue(PARAM, 'Invalid image_url: only https and data: URLs are accepted.');
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) && !opts.allowPrivate && isPrivateAddress(host)) {
      throw invalidValue(PARAM, 'Invalid image_url: private, loopback and link-local addresses are not allowed.');
    }
    if (parsed.protocol === 'http:' && !opts.allowPrivate) {
      throw invalidValue(PARAM, 'Invalid image_url: only https and data: URLs are accepted (plain http only when the server allows private image URLs).');
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
