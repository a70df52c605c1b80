// One webhook attempt over HTTP. The default sender connects through a DNS lookup that refuses
// non-public addresses at connect time, so a name that resolves somewhere else between the check
// and the connection (DNS rebinding) is still refused. Redirects are never followed (3xx = failure).
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { checkWebhookTarget, isNonPublicAddress } from './address.ts';

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export interface WebhookResponse {
  status: number;
}

/** Resolves with the receiver's status code; rejects on a network error, a timeout or a refused address. */
export type Sender = (req: WebhookRequest) => Promise<WebhookResponse>;

class RefusedAddress extends Error {
  code = 'EWEBHOOKPRIVATE';
}

const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '', 0);
    const list = addresses as dns.LookupAddress[];
    const bad = list.find((a) => isNonPublicAddress(a.address));
    if (bad || list.length === 0) return callback(new RefusedAddress(`${hostname} resolves to a non-public address`), '', 0);
    if ((options as dns.LookupOptions).all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
    return callback(null, list[0]!.address, list[0]!.family);
  });
};

/** node:http(s) with the address guard (unless allowPrivate), no agent reuse, no redirects. */
export function nodeSender(allowPrivate: boolean): Sender {
  return (r) =>
    new Promise<WebhookResponse>((resolve, reject) => {
      const url = new URL(r.url);
      const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
      if (!allowPrivate && isIP(host) !== 0 && isNonPublicAddress(host)) return reject(new RefusedAddress(`${host} is a non-public address`));
      const mod = url.protocol === 'https:' ? https : http;
      const req = mod.request(
        url,
        {
          method: 'POST',
          headers: { ...r.headers, 'content-length': String(Buffer.byteLength(r.body)) },
          signal: AbortSignal.timeout(r.timeoutMs),
          agent: false,
          ...(allowPrivate ? {} : { lookup: guardedLookup }),
        },
        (res) => {
          resolve({ status: res.statusCode ?? 0 });
          // The body is not needed: do not let a receiver keep us reading.
          res.destroy();
        },
      );
      req.on('error', reject);
      req.end(r.body);
    });
}

/** A fetch-based sender (tests inject fetch): the address is checked by resolving just before sending. */
export function fetchSender(fetchFn: typeof fetch, allowPrivate: boolean): Sender {
  return async (r) => {
    await checkWebhookTarget(new URL(r.url), allowPrivate);
    const res = await fetchFn(r.url, { method: 'POST', headers: r.headers, body: r.body, redirect: 'manual', signal: AbortSignal.timeout(r.timeoutMs) });
    await res.body?.cancel().catch(() => {});
    return { status: res.status };
  };
}
