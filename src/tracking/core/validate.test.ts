import { describe, expect, it } from 'vitest';
import { validateEvent } from './validate.js';

const ok = (event: unknown, impliedType?: Parameters<typeof validateEvent>[1]) => validateEvent(event, impliedType);
const codeOf = (event: unknown, impliedType?: Parameters<typeof validateEvent>[1]) => {
  const result = validateEvent(event, impliedType);
  return result.ok ? 'ok' : result.code;
};

describe('validateEvent', () => {
  it('accepts each call type with its required fields', () => {
    expect(codeOf({ type: 'identify', userId: 'u1' })).toBe('ok');
    expect(codeOf({ type: 'track', anonymousId: 'a1', event: 'Signed Up' })).toBe('ok');
    expect(codeOf({ type: 'page', userId: 'u1' })).toBe('ok');
    expect(codeOf({ type: 'screen', anonymousId: 'a1' })).toBe('ok');
    expect(codeOf({ type: 'group', groupId: 'g1' })).toBe('ok');
    expect(codeOf({ type: 'alias', previousId: 'p1', userId: 'u1' })).toBe('ok');
  });

  it('rejects anything but a JSON object', () => {
    for (const event of [null, 3, 'x', [], true]) expect(codeOf(event)).toBe('invalid_event');
  });

  it('rejects a missing or unknown type; the route type wins over the body', () => {
    expect(codeOf({ userId: 'u' })).toBe('invalid_type');
    expect(codeOf({ type: 'purchase', userId: 'u' })).toBe('invalid_type');
    expect(codeOf({ type: 5, userId: 'u' })).toBe('invalid_type');
    const result = ok({ type: 'purchase', userId: 'u' }, 'identify');
    expect(result.ok && result.type).toBe('identify');
  });

  it('requires userId or anonymousId (non-empty string or number)', () => {
    expect(codeOf({ type: 'identify' })).toBe('missing_user_id');
    expect(codeOf({ type: 'track', event: 'e', userId: '', anonymousId: null })).toBe('missing_user_id');
    expect(codeOf({ type: 'track', event: 'e', userId: 42 })).toBe('ok');
    expect(codeOf({ type: 'track', event: 'e', anonymousId: 7 })).toBe('ok');
    expect(codeOf({ type: 'track', event: 'e', userId: { id: 1 }, anonymousId: 'a' })).toBe('missing_user_id');
    expect(codeOf({ type: 'track', event: 'e', userId: 'u', anonymousId: true })).toBe('missing_user_id');
  });

  it('alias needs previousId and userId; group needs groupId', () => {
    expect(codeOf({ type: 'alias', userId: 'u' })).toBe('missing_previous_id');
    expect(codeOf({ type: 'alias', previousId: 'p', anonymousId: 'a' })).toBe('missing_user_id');
    expect(codeOf({ type: 'group', userId: 'u' })).toBe('missing_group_id');
    expect(codeOf({ type: 'group', userId: 'u', groupId: '' })).toBe('missing_group_id');
    expect(codeOf({ type: 'group', userId: 'u', groupId: 12 })).toBe('ok');
  });

  it('track needs a non-empty string event', () => {
    expect(codeOf({ type: 'track', userId: 'u' })).toBe('missing_event_name');
    expect(codeOf({ type: 'track', userId: 'u', event: '' })).toBe('missing_event_name');
    expect(codeOf({ type: 'track', userId: 'u', event: 5 })).toBe('missing_event_name');
  });

  it('properties, traits, context and integrations must be objects when present', () => {
    const base = { type: 'track', userId: 'u', event: 'e' };
    expect(codeOf({ ...base, properties: [] })).toBe('invalid_properties');
    expect(codeOf({ ...base, properties: 'x' })).toBe('invalid_properties');
    expect(codeOf({ ...base, traits: 1 })).toBe('invalid_traits');
    expect(codeOf({ ...base, context: 'ctx' })).toBe('invalid_context');
    expect(codeOf({ ...base, integrations: [true] })).toBe('invalid_integrations');
    expect(codeOf({ ...base, properties: {}, traits: {}, context: {}, integrations: {} })).toBe('ok');
    expect(codeOf({ ...base, properties: null })).toBe('ok');
  });

  it('messageId must be a string of at most 100 characters', () => {
    const base = { type: 'identify', userId: 'u' };
    expect(codeOf({ ...base, messageId: 'm'.repeat(100) })).toBe('ok');
    expect(codeOf({ ...base, messageId: 'm'.repeat(101) })).toBe('invalid_message_id');
    expect(codeOf({ ...base, messageId: 12 })).toBe('invalid_message_id');
  });

  it('timestamp and sentAt must be ISO-8601 when present', () => {
    const base = { type: 'identify', userId: 'u' };
    expect(codeOf({ ...base, timestamp: 'yesterday' })).toBe('invalid_timestamp');
    expect(codeOf({ ...base, timestamp: 1_700_000_000_000 })).toBe('invalid_timestamp');
    expect(codeOf({ ...base, sentAt: '2024-13-01T00:00:00Z' })).toBe('invalid_timestamp');
    expect(codeOf({ ...base, timestamp: null, sentAt: null })).toBe('ok');
    const result = ok({ ...base, timestamp: '2024-01-01T00:00:00.000Z', sentAt: '2024-01-01T00:00:05Z' });
    expect(result.ok && [result.timestampMs, result.sentAtMs]).toEqual([Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 1, 0, 0, 5)]);
  });
});
