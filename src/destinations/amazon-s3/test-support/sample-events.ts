/**
 * Test and bench support: deterministic, realistic stored events (~400 B each, the shape the Tracking
 * API stores: enriched track/identify/page calls with context, ids and ISO timestamps). Deterministic
 * (seeded), so tests and benchmarks see the same bytes every run; varied enough that gzip ratios are
 * close to real traffic, not to a repeated string.
 */
const EVENTS = ['Order Completed', 'Product Viewed', 'Product Added', 'Checkout Started', 'Signed Up', 'Page Viewed', 'Search Performed'];
const PAGES = ['/', '/pricing', '/docs/getting-started', '/blog/launch', '/cart', '/checkout', '/account/settings'];
const AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  'analytics-node-next/latest',
];

/** A small, fast PRNG (mulberry32): the same seed gives the same sequence on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hex(random: () => number, length: number): string {
  let out = '';
  while (out.length < length) out += Math.floor(random() * 0x100000000).toString(16).padStart(8, '0');
  return out.slice(0, length);
}

/** One stored event as JSON text, received at `receivedAt` (ms). */
export function sampleEvent(random: () => number, receivedAt: number, sourceId = 'src_sample'): string {
  const type = random() < 0.7 ? 'track' : random() < 0.5 ? 'page' : 'identify';
  const received = new Date(receivedAt).toISOString();
  const sent = new Date(receivedAt - Math.floor(random() * 2000)).toISOString();
  const messageId = `${hex(random, 8)}-${hex(random, 4)}-4${hex(random, 3)}-a${hex(random, 3)}-${hex(random, 12)}`;
  const userId = random() < 0.6 ? `user_${Math.floor(random() * 50_000)}` : undefined;
  const event: Record<string, unknown> = {
    type,
    ...(type === 'track' ? { event: EVENTS[Math.floor(random() * EVENTS.length)], properties: { revenue: Math.round(random() * 10_000) / 100 } } : {}),
    ...(type === 'page' ? { name: 'Home', properties: { path: PAGES[Math.floor(random() * PAGES.length)] } } : {}),
    ...(type === 'identify' ? { traits: { plan: random() < 0.5 ? 'pro' : 'free', logins: Math.floor(random() * 100) } } : {}),
    ...(userId && random() < 0.7 ? { userId } : { anonymousId: `${hex(random, 8)}-${hex(random, 4)}-${hex(random, 4)}-${hex(random, 4)}-${hex(random, 12)}` }),
    context: {
      ip: `${Math.floor(random() * 223) + 1}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}`,
      library: { name: 'analytics.js', version: '2.11.1' },
      ...(random() < 0.25 ? { userAgent: AGENTS[Math.floor(random() * AGENTS.length)] } : {}),
    },
    messageId,
    originalTimestamp: sent,
    timestamp: received,
    receivedAt: received,
    channel: 'client',
    projectId: sourceId,
    version: 2,
  };
  return JSON.stringify(event);
}
