/**
 * Test support: an HTTP proxy in front of s3rver that behaves like S3 under the seed's bucket policy
 * (`s3:PutObject` only, on `…/segment-logs/*`, optionally denying writes without
 * `x-amz-server-side-encryption: AES256`), records every request, and injects faults on demand.
 *
 * Policy evaluation copies AWS's authorization of the operations (path-style requests only):
 *   PutObject, CreateMultipartUpload, UploadPart, CompleteMultipartUpload → action s3:PutObject
 *   everything else (GET/HEAD/list/GetBucketLocation/AbortMultipartUpload/CopyObject/…) → 403 AccessDenied.
 * The encryption condition applies to every s3:PutObject request, so UploadPart and
 * CompleteMultipartUpload (which carry no SSE header) are denied when it is on, as on AWS.
 *
 * Faults are consumed one per request in arrival order (`injectFaults`), or apply to every request
 * (`setFault`); `refuseConnections()` closes the listener so connects fail with ECONNREFUSED.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxyPolicy {
  /** Keys the Allow statement covers (`arn:aws:s3:::bucket/<prefix>*`). Default `segment-logs/`. */
  allowedKeyPrefix: string;
  /** The seed's "Enforcing encryption" statements: deny s3:PutObject without SSE AES256. */
  requireEncryption: boolean;
  /** When set, requests signed for another region get a 301 PermanentRedirect naming this one. */
  bucketRegion: string | undefined;
  /**
   * How a wrong-region request is answered: `redirect` (301 PermanentRedirect, what a request to another
   * region's endpoint gets) or `malformed` (400 AuthorizationHeaderMalformed with <Region>, what the
   * right endpoint answers to a signature for the wrong region). Both carry x-amz-bucket-region.
   */
  wrongRegionAnswer: 'redirect' | 'malformed';
}

export type ProxyFault =
  /** Answer with this S3 error instead of forwarding (e.g. 503 SlowDown, 500 InternalError). */
  | { readonly kind: 'error'; readonly status: number; readonly code: string; readonly message?: string }
  /** Wait, then forward normally (for client timeouts). */
  | { readonly kind: 'delay'; readonly ms: number }
  /** Destroy the connection without answering (ECONNRESET / socket hang up). */
  | { readonly kind: 'reset' };

export interface RecordedRequest {
  readonly method: string;
  /** Path without the query, decoded, e.g. `/bucket/segment-logs/src/1700000000000/x.gz`. */
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: http.IncomingHttpHeaders;
  /** The S3 operation the proxy recognised (`PutObject`, `UploadPart`, `ListObjectsV2`, …). */
  readonly operation: string;
  /** The region the request was signed for (from its SigV4 Authorization header). */
  readonly signedRegion: string | undefined;
  bodyBytes: number;
  /** What the client got: status, or `reset`/`refused`. */
  outcome: number | 'reset';
}

export class S3PolicyProxy {
  readonly policy: ProxyPolicy;
  readonly requests: RecordedRequest[] = [];
  readonly #target: { host: string; port: number };
  readonly #server: http.Server;
  readonly #queuedFaults: ProxyFault[] = [];
  #persistentFault: ProxyFault | undefined;
  #port = 0;
  #refusing = false;

  private constructor(target: { host: string; port: number }, policy: Partial<ProxyPolicy>) {
    this.#target = target;
    this.policy = { allowedKeyPrefix: 'segment-logs/', requireEncryption: false, bucketRegion: undefined, wrongRegionAnswer: 'redirect', ...policy };
    this.#server = http.createServer((request, response) => void this.#handle(request, response));
    this.#server.keepAliveTimeout = 1000;
  }

  /** Starts the proxy on 127.0.0.1, a free port, forwarding to `target`. */
  static async start(target: { host: string; port: number }, policy: Partial<ProxyPolicy> = {}): Promise<S3PolicyProxy> {
    const proxy = new S3PolicyProxy(target, policy);
    await proxy.#listen(0);
    return proxy;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** The next `faults.length` requests get these faults, in order (before any policy check). */
  injectFaults(...faults: ProxyFault[]): void {
    this.#queuedFaults.push(...faults);
  }

  /** Every request gets this fault until cleared with `setFault(undefined)`. */
  setFault(fault: ProxyFault | undefined): void {
    this.#persistentFault = fault;
  }

  /** Stops listening (connects fail with ECONNREFUSED) until `acceptConnections()`. */
  async refuseConnections(): Promise<void> {
    if (this.#refusing) return;
    this.#refusing = true;
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Listens again on the same port. */
  async acceptConnections(): Promise<void> {
    if (!this.#refusing) return;
    await this.#listen(this.#port);
    this.#refusing = false;
  }

  /** Requests of one operation, e.g. `putObjects()` for assertions on headers. */
  requestsOf(operation: string): RecordedRequest[] {
    return this.requests.filter((request) => request.operation === operation);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    if (!this.#refusing) await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#port = (this.#server.address() as AddressInfo).port;
  }

  async #handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://proxy');
    const query = Object.fromEntries(url.searchParams);
    const recorded: RecordedRequest = {
      method: request.method ?? 'GET',
      path: decodeURIComponent(url.pathname),
      query,
      headers: request.headers,
      operation: operationOf(request.method ?? 'GET', url.pathname, url.searchParams, request.headers),
      signedRegion: signedRegionOf(request.headers.authorization),
      bodyBytes: 0,
      outcome: 0,
    };
    this.requests.push(recorded);
    const fault = this.#queuedFaults.shift() ?? this.#persistentFault;
    if (fault?.kind === 'reset') {
      recorded.outcome = 'reset';
      request.socket.destroy();
      return;
    }
    if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));
    if (fault?.kind === 'error') return this.#answerError(request, response, recorded, fault.status, fault.code, fault.message ?? fault.code);

    const region = this.policy.bucketRegion;
    if (region !== undefined && recorded.signedRegion !== undefined && recorded.signedRegion !== region) {
      if (this.policy.wrongRegionAnswer === 'malformed') {
        return this.#answerError(request, response, recorded, 400, 'AuthorizationHeaderMalformed',
          `The authorization header is malformed; the region '${recorded.signedRegion}' is wrong; expecting '${region}'`, { 'x-amz-bucket-region': region }, `<Region>${region}</Region>`);
      }
      return this.#answerError(request, response, recorded, 301, 'PermanentRedirect',
        'The bucket you are attempting to access must be addressed using the specified endpoint.', { 'x-amz-bucket-region': region });
    }
    const denial = this.#denialOf(recorded);
    if (denial) return this.#answerError(request, response, recorded, 403, 'AccessDenied', denial);
    this.#forward(request, response, recorded);
  }

  /** Why the seed's bucket policy denies the request, or undefined when it allows it. */
  #denialOf(request: RecordedRequest): string | undefined {
    if (!PUT_OBJECT_FAMILY.has(request.operation)) return `Access Denied (${request.operation} is not allowed by the bucket policy)`;
    const key = request.path.split('/').slice(2).join('/');
    if (!key.startsWith(this.policy.allowedKeyPrefix)) return `Access Denied (key ${key} is outside ${this.policy.allowedKeyPrefix}*)`;
    if (this.policy.requireEncryption && request.headers['x-amz-server-side-encryption'] !== 'AES256') {
      return 'Access Denied (the bucket policy requires x-amz-server-side-encryption: AES256)';
    }
    return undefined;
  }

  #forward(request: http.IncomingMessage, response: http.ServerResponse, recorded: RecordedRequest): void {
    const upstream = http.request(
      { host: this.#target.host, port: this.#target.port, method: request.method, path: request.url, headers: request.headers },
      (upstreamResponse) => {
        recorded.outcome = upstreamResponse.statusCode ?? 0;
        response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
        upstreamResponse.pipe(response);
      },
    );
    upstream.on('error', () => response.destroy());
    // A client gone mid-request (refuseConnections, a reset) aborts the upstream request too, as S3 would
    // drop the upload; otherwise s3rver holds the half-received upload (and its half-written object file)
    // open until its own request timeout, minutes later (found by the fault harness, src/faults).
    request.on('close', () => {
      if (!request.complete) upstream.destroy();
    });
    request.on('data', (chunk: Buffer) => {
      recorded.bodyBytes += chunk.length;
    });
    request.pipe(upstream);
  }

  #answerError(request: http.IncomingMessage, response: http.ServerResponse, recorded: RecordedRequest, status: number, code: string, message: string, headers: Record<string, string> = {}, extraXml = ''): void {
    recorded.outcome = status;
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>${extraXml}<RequestId>sluice-test</RequestId></Error>`;
    // Read the body first, as S3 does, so the client is not cut off mid-upload (EPIPE).
    request.on('data', (chunk: Buffer) => {
      recorded.bodyBytes += chunk.length;
    });
    request.on('end', () => {
      response.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), ...headers });
      response.end(body);
    });
    request.resume();
  }
}

const PUT_OBJECT_FAMILY = new Set(['PutObject', 'CreateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload']);

/** Names the S3 operation of a path-style request, enough to authorize it like AWS does. */
function operationOf(method: string, pathname: string, params: URLSearchParams, headers: http.IncomingHttpHeaders): string {
  const hasKey = pathname.split('/').filter(Boolean).length > 1;
  if (!hasKey) {
    if (params.has('location')) return 'GetBucketLocation';
    if (method === 'GET') return params.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
    if (method === 'HEAD') return 'HeadBucket';
    return `${method}Bucket`;
  }
  if (method === 'PUT' && params.has('partNumber') && params.has('uploadId')) return 'UploadPart';
  if (method === 'PUT' && headers['x-amz-copy-source'] !== undefined) return 'CopyObject';
  if (method === 'PUT' && [...params.keys()].every((name) => name === 'x-id')) return 'PutObject';
  if (method === 'POST' && params.has('uploads')) return 'CreateMultipartUpload';
  if (method === 'POST' && params.has('uploadId')) return 'CompleteMultipartUpload';
  if (method === 'DELETE' && params.has('uploadId')) return 'AbortMultipartUpload';
  if (method === 'GET') return 'GetObject';
  if (method === 'HEAD') return 'HeadObject';
  if (method === 'DELETE') return 'DeleteObject';
  return `${method}Object`;
}

/** `AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west-1/s3/aws4_request, …` → `eu-west-1`. */
function signedRegionOf(authorization: string | undefined): string | undefined {
  return /Credential=[^/]+\/\d{8}\/([^/]+)\/s3\//.exec(authorization ?? '')?.[1];
}
