// Which addresses an outbound request made on a user's behalf (image_url, webhooks) may reach, and
// a DNS lookup that enforces it at connect time: the address checked is the address connected to,
// so a name cannot resolve to a public address for the check and a private one for the connection.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

// Private, loopback, link-local and reserved ranges. BlockList also matches IPv4-mapped IPv6
// forms (::ffff:7f00:1) against the IPv4 rules.
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

/** The error a guarded lookup fails with when a name resolves to a refused address. */
export const EPRIVATE = 'EPRIVATE';

/** A `lookup` for http(s) requests: fails with code EPRIVATE when any resolved address is private (unless allowed). */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as LookupAddress[];
      const bad = !allowPrivate && list.find((a) => isPrivateAddress(a.address));
      if (bad) return callback(Object.assign(new Error(`${hostname} resolves to ${bad.address}, a private address`), { code: EPRIVATE }), '', 0);
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}
