import { describe, expect, it } from 'vitest';
import { batchBody, MESSAGE_ID_PLACEHOLDER } from './events.js';
import { FreshBodies } from './fresh-bodies.js';

const messageIds = (body: Buffer) => (JSON.parse(body.toString('utf8')) as { batch: Array<{ messageId: string }> }).batch.map((event) => event.messageId);

describe('FreshBodies', () => {
  it('gives every request and every event of it its own messageId, at the template length', () => {
    const template = batchBody(3);
    const bodies = new FreshBodies(template, 'abc123');
    const first = bodies.next();
    const second = bodies.next();
    expect(first.length).toBe(Buffer.byteLength(template));
    expect(second.length).toBe(Buffer.byteLength(template));
    expect(first.includes(MESSAGE_ID_PLACEHOLDER)).toBe(false);
    const ids = [...messageIds(first), ...messageIds(second)];
    expect(new Set(ids).size).toBe(6);
    expect(ids.every((id) => id.includes('abc123'))).toBe(true);
  });

  it('leaves a body without placeholders as it is', () => {
    const bodies = new FreshBodies('{"a":1}');
    expect(bodies.hasPlaceholders).toBe(false);
    expect(bodies.next().toString()).toBe('{"a":1}');
  });
});
