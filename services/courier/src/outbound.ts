import { lookup as systemLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { judgeAddress } from './address-policy.js';
import { DeliveryError, DeliveryErrorCode } from './errors.js';

/** One resolved address of a host name. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves a host name to every address (the system resolver in production; tests inject one). */
export type HostLookup = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** The system resolver (getaddrinfo), every address. */
export const systemHostLookup: HostLookup = async (hostname) =>
  (await systemLookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

/** Limits of every outbound request. */
export interface OutboundLimits {
  /** Until the TCP (and TLS) connection is up, ms. */
  readonly connectTimeoutMs: number;
  /** Until the answer's status and capped body are read, ms. */
  readonly totalTimeoutMs: number;
  /** Response body bytes read at most; the rest is dropped with the connection. Never logged. */
  readonly maxResponseBytes: number;
}

/** One webhook POST. */
export interface OutboundRequest {
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The operator allows private and loopback addresses (and plain http to loopback) for this endpoint. */
  readonly allowPrivate: boolean;
  /** PEM client certificate and key for mutual TLS. */
  readonly clientCert?: { readonly cert: string; readonly key: string };
}

/** The endpoint's answer: its status only; the body is read up to the cap and dropped. */
export interface OutboundAnswer {
  readonly status: number;
}

/**
 * A lookup for `http.request` that resolves with `hostLookup` and refuses,
 * before any connection is made, a name with any address the rules forbid.
 * It runs at connect time, for the very connection, so a name that resolved
 * to a public address once and to a private one now (DNS rebinding) is
 * refused now.
 */
function guardedLookup(hostLookup: HostLookup, allowPrivate: boolean, plainHttp: boolean, refused: (e: DeliveryError) => void): LookupFunction {
  return (hostname, options, callback) => {
    void (async () => {
      const addresses = await hostLookup(hostname);
      if (addresses.length === 0) throw new DeliveryError(DeliveryErrorCode.Network, `${hostname} has no address`);
      for (const a of addresses) {
        const refused = addressProblem(a.address, allowPrivate, plainHttp);
        if (refused !== undefined) throw refused;
      }
      return addresses;
    })().then(
      (addresses) => {
        if (options.all === true) callback(null, addresses.map((a) => ({ address: a.address, family: a.family })));
        else callback(null, addresses[0]?.address ?? '', addresses[0]?.family ?? 4);
      },
      (err: unknown) => {
        const e = err instanceof DeliveryError ? err : new DeliveryError(DeliveryErrorCode.Network, `${hostname} does not resolve`, { cause: err });
        refused(e);
        callback(e, '', 4);
      },
    );
  };
}

/** Why the address may not be reached (or not over plain http); undefined when it may. */
function addressProblem(address: string, allowPrivate: boolean, plainHttp: boolean): DeliveryError | undefined {
  const verdict = judgeAddress(address, allowPrivate);
  if (!verdict.allowed) return new DeliveryError(DeliveryErrorCode.AddressRefused, verdict.reason, { retryable: false });
  if (plainHttp && !verdict.loopback) return new DeliveryError(DeliveryErrorCode.SchemeRefused, `plain http is allowed only to a loopback address, not ${address}`, { retryable: false });
  return undefined;
}

/**
 * POSTs one webhook under the outbound rules (decision 0126): https, or http
 * to loopback only when the endpoint allows private addresses; the resolved
 * address checked at connect time; no redirects followed; connect and total
 * timeouts; the answer's body capped and discarded.
 * @throws DeliveryError for a refused address or scheme, a timeout or a network failure. A non-2xx status is an answer, not an error.
 */
export function postWebhook(request: OutboundRequest, limits: OutboundLimits, hostLookup: HostLookup = systemHostLookup): Promise<OutboundAnswer> {
  const { url, allowPrivate } = request;
  const plainHttp = url.protocol === 'http:';
  if (url.protocol !== 'https:' && !(plainHttp && allowPrivate)) {
    return Promise.reject(new DeliveryError(DeliveryErrorCode.SchemeRefused, `${url.protocol} is not allowed: https only (http to loopback with allowPrivate)`, { retryable: false }));
  }
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  // Node connects to an IP literal without calling the lookup: check it here, before any connection.
  if (isIP(host) !== 0) {
    const refused = addressProblem(host, allowPrivate, plainHttp);
    if (refused !== undefined) return Promise.reject(refused);
  }
  return new Promise<OutboundAnswer>((resolve, reject) => {
    let failure: DeliveryError | undefined;
    const fail = (e: DeliveryError): void => {
      failure ??= e;
    };
    const options: https.RequestOptions = {
      method: 'POST',
      headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
      lookup: guardedLookup(hostLookup, allowPrivate, plainHttp, fail),
      agent: false,
      ...(request.clientCert === undefined ? {} : { cert: request.clientCert.cert, key: request.clientCert.key }),
    };
    let req: http.ClientRequest;
    try {
      req = (plainHttp ? http : https).request(url, options);
    } catch (err) {
      reject(new DeliveryError(DeliveryErrorCode.Unsendable, 'the request cannot be made (a header value HTTP does not allow)', { retryable: false, cause: err }));
      return;
    }
    const total = setTimeout(() => {
      fail(new DeliveryError(DeliveryErrorCode.Timeout, `no answer within ${limits.totalTimeoutMs} ms`));
      req.destroy();
    }, limits.totalTimeoutMs);
    const connect = setTimeout(() => {
      fail(new DeliveryError(DeliveryErrorCode.ConnectTimeout, `no connection within ${limits.connectTimeoutMs} ms`));
      req.destroy();
    }, limits.connectTimeoutMs);
    req.on('socket', (socket) => {
      socket.once(plainHttp ? 'connect' : 'secureConnect', () => clearTimeout(connect));
    });
    req.on('response', (res) => {
      clearTimeout(connect);
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        // The body is never kept, parsed or logged; past the cap the connection goes.
        if (read > limits.maxResponseBytes) res.destroy();
      });
      const done = (): void => {
        clearTimeout(total);
        resolve({ status: res.statusCode ?? 0 });
      };
      res.on('end', done);
      res.on('close', done);
    });
    req.on('error', (err) => {
      clearTimeout(total);
      clearTimeout(connect);
      reject(failure ?? new DeliveryError(DeliveryErrorCode.Network, `connection failed: ${(err as NodeJS.ErrnoException).code ?? err.message}`, { cause: err }));
    });
    req.end(request.body);
  });
}
