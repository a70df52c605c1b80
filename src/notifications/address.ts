// Where a webhook may point: http(s) only, no credentials, and (unless private targets are allowed
// for development) never a loopback, private, link-local or otherwise non-public address (SSRF).
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { DomainError } from '../shared/errors.ts';

export const WEBHOOK_URL_CHARS_MAX = 2048;

const blocked = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) blocked.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) blocked.addSubnet(net, bits, 'ipv6');

/** The IPv4 address embedded in an IPv4-mapped, -compatible or NAT64 IPv6 address, if any. */
function embeddedV4(ip: string): string | null {
  const m = /^(?:::ffff:|::|64:ff9b::)(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (m) return m[1]!;
  const h = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(ip);
  if (!h) return null;
  const hi = parseInt(h[1]!, 16);
  const lo = parseInt(h[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** True for an address a webhook must not reach from inside the platform. */
export function isNonPublicAddress(ip: string): boolean {
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  const family = isIP(bare);
  if (family === 4) return blocked.check(bare, 'ipv4');
  if (family !== 6) return true; // not an address at all: refuse rather than guess
  const v4 = embeddedV4(bare);
  if (v4 !== null) return isIP(v4) !== 4 || blocked.check(v4, 'ipv4');
  // Strip a zone id (fe80::1%eth0): BlockList does not take one, and it only appears on link-local.
  if (bare.includes('%')) return true;
  return blocked.check(bare, 'ipv6');
}

const refuse = (code: string, message: string) => new DomainError(`webhook.${code}`, message, 400);

/** Parses and checks the URL's shape (pure): http(s), a host, no user:password, bounded length. */
export function parseWebhookUrl(raw: string): URL {
  if (raw.length > WEBHOOK_URL_CHARS_MAX) throw refuse('invalid_url', `the URL is longer than ${WEBHOOK_URL_CHARS_MAX} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse('invalid_url', 'the URL does not parse');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refuse('invalid_url', 'the URL must be http or https');
  if (url.username !== '' || url.password !== '') throw refuse('credentials_in_url', 'the URL must not hold a user name or password');
  if (url.hostname === '') throw refuse('invalid_url', 'the URL has no host');
  url.hash = '';
  return url;
}

/** The host's addresses: the literal itself, or every address DNS gives for the name. */
export async function resolveHost(hostname: string): Promise<string[]> {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  if (isIP(bare) !== 0) return [bare];
  const found = await lookup(bare, { all: true, verbatim: true });
  return found.map((a) => a.address);
}

/**
 * Refuses a URL whose host is (or resolves to) a non-public address, unless allowPrivate. Run when
 * the endpoint is registered and again before every attempt (DNS can change in between).
 */
export async function checkWebhookTarget(url: URL, allowPrivate: boolean): Promise<void> {
  if (allowPrivate) return;
  let addresses: string[];
  try {
    addresses = await resolveHost(url.hostname);
  } catch {
    throw refuse('unresolvable_host', `the host ${url.hostname} does not resolve`);
  }
  if (addresses.length === 0) throw refuse('unresolvable_host', `the host ${url.hostname} does not resolve`);
  if (addresses.some(isNonPublicAddress)) throw refuse('private_address', `the host ${url.hostname} is a loopback, private or link-local address`);
}
