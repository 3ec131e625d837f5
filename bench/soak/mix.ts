/**
 * The soak's mixed traffic: what each kind of request looks like and how often it is sent. Bodies are
 * built from templates whose messageIds are filled in per request (`runId-counter`), so every event is
 * new — the server deduplicates client messageIds, and repeated bodies would be dropped as retries,
 * which would break the soak's "every acknowledged event is in the bucket" check. Filling a template is
 * string concatenation, cheap enough not to bound the load generator.
 * Owns request shapes and the mix's proportions; sends nothing.
 */
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

export type RequestKind = 'batch' | 'batch-gzip' | 'track' | 'identify' | 'page' | 'browser-t' | 'admin-status';

/** Requests of each kind per 100 requests. Batches carry almost all events; the rest exercise the other paths. */
export const MIX_WEIGHTS: Readonly<Record<RequestKind, number>> = {
  batch: 28,
  'batch-gzip': 8,
  track: 24,
  identify: 12,
  page: 12,
  'browser-t': 14,
  'admin-status': 2,
};

export const BATCH_EVENTS = 100;

export const EVENTS_PER_REQUEST: Readonly<Record<RequestKind, number>> = {
  batch: BATCH_EVENTS,
  'batch-gzip': BATCH_EVENTS,
  track: 1,
  identify: 1,
  page: 1,
  'browser-t': 1,
  'admin-status': 0,
};

/** Events per request on average over the mix. */
export function eventsPerMixedRequest(): number {
  const kinds = Object.keys(MIX_WEIGHTS) as RequestKind[];
  const total = kinds.reduce((sum, kind) => sum + MIX_WEIGHTS[kind], 0);
  return kinds.reduce((sum, kind) => sum + MIX_WEIGHTS[kind] * EVENTS_PER_REQUEST[kind], 0) / total;
}

/**
 * The kinds in a fixed, interleaved 100-slot order (largest-remainder spreading), so every interval of
 * the run sees the same proportions.
 */
export function mixSchedule(): RequestKind[] {
  const kinds = Object.keys(MIX_WEIGHTS) as RequestKind[];
  const total = kinds.reduce((sum, kind) => sum + MIX_WEIGHTS[kind], 0);
  const credit = new Map<RequestKind, number>(kinds.map((kind) => [kind, 0]));
  const schedule: RequestKind[] = [];
  for (let slot = 0; slot < total; slot++) {
    for (const kind of kinds) credit.set(kind, credit.get(kind)! + MIX_WEIGHTS[kind]);
    const next = kinds.reduce((best, kind) => (credit.get(kind)! > credit.get(best)! ? kind : best));
    credit.set(next, credit.get(next)! - total);
    schedule.push(next);
  }
  return schedule;
}

const MESSAGE_ID = '\u0000mid\u0000';
const eventNames = ['Order Completed', 'Product Viewed', 'Checkout Started', 'Signed Up', 'Cart Viewed'];
const pages = [
  { name: 'Pricing', path: '/pricing', title: 'Pricing — Acme' },
  { name: 'Docs', path: '/docs/getting-started', title: 'Getting started — Acme' },
  { name: 'Home', path: '/', title: 'Acme' },
];
const library = { name: '@segment/analytics-node', version: '3.1.0' };

function trackEvent(variant: number): Record<string, unknown> {
  return {
    type: 'track',
    event: eventNames[variant % eventNames.length],
    userId: `user-${(variant * 7919) % 100_000}`,
    anonymousId: randomUUID(),
    messageId: MESSAGE_ID,
    timestamp: new Date(Date.now() - (variant % 1000)).toISOString(),
    properties: { orderId: `ord_${variant}`, revenue: 42.5 + (variant % 10), currency: 'USD', plan: 'pro', items: 3 },
    context: { library, locale: 'en-US' },
  };
}

function identifyEvent(variant: number): Record<string, unknown> {
  return {
    type: 'identify',
    userId: `user-${(variant * 104_729) % 100_000}`,
    messageId: MESSAGE_ID,
    timestamp: new Date().toISOString(),
    traits: { email: `person${variant}@example.com`, name: `Person ${variant}`, plan: variant % 2 ? 'pro' : 'free', createdAt: '2024-03-01T10:00:00.000Z' },
    context: { library, ip: `10.0.${variant % 256}.7` },
  };
}

function pageEvent(variant: number): Record<string, unknown> {
  const page = pages[variant % pages.length]!;
  return {
    type: 'page',
    anonymousId: randomUUID(),
    name: page.name,
    messageId: MESSAGE_ID,
    timestamp: new Date().toISOString(),
    properties: { path: page.path, url: `https://acme.example${page.path}`, title: page.title, referrer: 'https://www.google.com/' },
    context: { library },
  };
}

/** What analytics.js (analytics-next) sends from a browser: text/plain, writeKey in the body. */
function browserTrackEvent(variant: number, writeKey: string): Record<string, unknown> {
  const page = pages[variant % pages.length]!;
  return {
    timestamp: new Date().toISOString(),
    integrations: {},
    type: 'track',
    event: eventNames[variant % eventNames.length],
    properties: { plan: 'pro', trial: variant % 3 === 0 },
    anonymousId: randomUUID(),
    messageId: MESSAGE_ID,
    context: {
      page: { path: page.path, referrer: '', search: '', title: page.title, url: `https://acme.example${page.path}` },
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0 Safari/537.36',
      locale: 'en-US',
      library: { name: 'analytics.js', version: 'npm:next-1.70.0' },
    },
    writeKey,
    sentAt: new Date().toISOString(),
    _metadata: { bundled: ['Segment.io'], unbundled: [], bundledIds: [] },
  };
}

/** A JSON text with holes where messageIds go. */
class Template {
  readonly #parts: string[];

  constructor(body: unknown) {
    this.#parts = JSON.stringify(body).split(JSON.stringify(MESSAGE_ID));
  }

  get holes(): number {
    return this.#parts.length - 1;
  }

  fill(nextMessageId: () => string): string {
    let text = this.#parts[0]!;
    for (let index = 1; index < this.#parts.length; index++) text += `"${nextMessageId()}"${this.#parts[index]}`;
    return text;
  }
}

export interface PreparedRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string | Buffer | undefined;
  readonly events: number;
}

const VARIANTS = 8;

/** Builds requests of each kind with fresh messageIds. One per load-generator process. */
export class MixedRequests {
  readonly #templates: Record<Exclude<RequestKind, 'admin-status'>, Template[]>;
  readonly #basicAuth: string;
  readonly #adminPaths: readonly string[];
  readonly #adminToken: string;
  readonly #runId: string;
  #messageCounter = 0;
  #requestCounter = 0;

  constructor(options: { writeKey: string; adminToken: string; adminStatusPaths: readonly string[]; runId: string }) {
    const variants = Array.from({ length: VARIANTS }, (_, index) => index);
    const batch = (variant: number) => ({ batch: Array.from({ length: BATCH_EVENTS }, (_, index) => trackEvent(variant * BATCH_EVENTS + index)), sentAt: new Date().toISOString(), context: { library } });
    const single = (event: Record<string, unknown>) => {
      const { type: _type, ...rest } = event;
      return { ...rest, sentAt: new Date().toISOString() };
    };
    this.#templates = {
      batch: variants.map((variant) => new Template(batch(variant))),
      'batch-gzip': variants.map((variant) => new Template(batch(variant + VARIANTS))),
      track: variants.map((variant) => new Template(single(trackEvent(variant)))),
      identify: variants.map((variant) => new Template(single(identifyEvent(variant)))),
      page: variants.map((variant) => new Template(single(pageEvent(variant)))),
      'browser-t': variants.map((variant) => new Template(browserTrackEvent(variant, options.writeKey))),
    };
    this.#basicAuth = `Basic ${Buffer.from(`${options.writeKey}:`).toString('base64')}`;
    this.#adminPaths = options.adminStatusPaths;
    this.#adminToken = options.adminToken;
    this.#runId = options.runId;
  }

  readonly #nextMessageId = () => `${this.#runId}-${(this.#messageCounter++).toString(36)}`;

  async build(kind: RequestKind): Promise<PreparedRequest> {
    const variant = this.#requestCounter++ % VARIANTS;
    const json = { 'content-type': 'application/json', authorization: this.#basicAuth };
    const events = EVENTS_PER_REQUEST[kind];
    switch (kind) {
      case 'admin-status':
        return { method: 'GET', path: this.#adminPaths[variant % this.#adminPaths.length]!, headers: { authorization: `Bearer ${this.#adminToken}` }, body: undefined, events };
      case 'batch-gzip': {
        const body = await gzipAsync(this.#templates[kind][variant]!.fill(this.#nextMessageId));
        return { method: 'POST', path: '/v1/batch', headers: { ...json, 'content-encoding': 'gzip' }, body, events };
      }
      case 'browser-t':
        return { method: 'POST', path: '/v1/t', headers: { 'content-type': 'text/plain' }, body: this.#templates[kind][variant]!.fill(this.#nextMessageId), events };
      default:
        return { method: 'POST', path: kind === 'batch' ? '/v1/batch' : `/v1/${kind}`, headers: json, body: this.#templates[kind][variant]!.fill(this.#nextMessageId), events };
    }
  }
}
