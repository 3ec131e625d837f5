/**
 * Realistic Segment events for load generation: the shape analytics-node sends (~400 B serialized),
 * varied enough that nothing is cached by accident.
 */
import { randomUUID } from 'node:crypto';

/**
 * Stands in every messageId of a body; the load generator overwrites it with a value unique to each
 * request (`load-generator.ts`). Sluice drops repeated messageIds, as Segment does, so a body sent
 * again and again as it is would be stored once and measure nothing.
 */
export const MESSAGE_ID_PLACEHOLDER = '@@@@@@@@@@@@@@@@';

const eventNames = ['Order Completed', 'Product Viewed', 'Checkout Started', 'Signed Up', 'Cart Viewed'];

export function realisticTrackEvent(index: number): Record<string, unknown> {
  return {
    type: 'track',
    event: eventNames[index % eventNames.length],
    userId: `user-${(index * 7919) % 100_000}`,
    anonymousId: randomUUID(),
    messageId: `node-next-${MESSAGE_ID_PLACEHOLDER}-${index}`,
    timestamp: new Date(Date.now() - (index % 1000)).toISOString(),
    properties: { orderId: `ord_${index}`, revenue: 42.5 + (index % 10), currency: 'USD', plan: 'pro', items: 3 },
    context: {
      library: { name: '@segment/analytics-node', version: '3.1.0' },
      locale: 'en-US',
    },
  };
}

export function batchBody(events: number): string {
  return JSON.stringify({
    batch: Array.from({ length: events }, (_, index) => realisticTrackEvent(index)),
    sentAt: new Date().toISOString(),
  });
}

export function trackBody(): string {
  const { type: _type, ...event } = realisticTrackEvent(1);
  return JSON.stringify({ ...event, sentAt: new Date().toISOString() });
}
