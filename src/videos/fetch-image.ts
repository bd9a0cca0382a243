// Fetches an input_reference image_url: data: URLs decoded in place; http(s) with a size and
// time cap, at most 3 redirects, and private, loopback and link-local addresses refused at
// connect time (so DNS cannot be used to sneak past the check).
import http from 'node:http';
import https from 'node:https';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { invalidValue } from './errors.js';

const PARAM = 'input_reference.image_url';

export interface FetchOptions {
  allowPrivate: boolean;
  timeoutMs: number;
  maxBytes: number;
}

// Addresses an image_url may not reach unless imageUrlAllowPrivate is set. BlockList also
// matches IPv4-mapped IPv6 forms (::ffff:7f00:1) against the IPv4 rules.
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 3],
] as const) PRIVATE.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible ::a.b.c.d
  ['64:ff9b::', 96], ['64:ff9b:1::', 48], // NAT64: would reach any IPv4 address, private ones included
  ['2002::', 16], // 6to4: embeds an IPv4 address
  ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) PRIVATE.addSubnet(net, bits, 'ipv6');

export function isPrivateAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 0) return true; // not an address: refuse rather than guess
  return PRIVATE.check(ip, family === 4 ? 'ipv4' : 'ipv6');
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
