/**
 * The destinations routes' JSON schemas (validation and the OpenAPI document). Schema failures answer
 * the codes this API always used: `invalid_destination_setting` for `settings`, `invalid_destination`
 * for the rest. Settings are open (each type's schema checks them in the handler) but bounded.
 */
import type { ErrorCode } from '../errors/codes.js';
import { nameString, object, sourceIdList, timeString, type Schema } from './openapi-schemas.js';

export const invalidDestinationCodes: Readonly<Record<string, ErrorCode>> = { '/settings': 'invalid_destination_setting', '': 'invalid_destination' };

const settings: Schema = { type: 'object', maxProperties: 64, additionalProperties: { maxLength: 4096 } };

export const createBody = object(
  { type: { type: 'string', minLength: 1, maxLength: 64 }, name: nameString, sourceIds: sourceIdList, settings, enabled: { type: 'boolean' } },
  ['type', 'name'],
);

export const patchBody = object({ name: nameString, sourceIds: sourceIdList, settings, enabled: { type: 'boolean' } });

export const destinationSchema = object(
  {
    id: { type: 'string' },
    type: { type: 'string' },
    name: { type: 'string' },
    enabled: { type: 'boolean' },
    sourceIds: { type: 'array', items: { type: 'string' } },
    // Secret settings come back as "********" (write-only).
    settings: { type: 'object', additionalProperties: true },
    createdAt: timeString,
    updatedAt: timeString,
  },
  ['id', 'type', 'name', 'enabled', 'sourceIds', 'settings', 'createdAt', 'updatedAt'],
);

export const flushSchema = object(
  { objects: { type: 'array', items: object({ key: { type: 'string' }, events: { type: 'integer' }, bytes: { type: 'integer' } }, ['key', 'events', 'bytes']) } },
  ['objects'],
);

const anything: Schema = {};
export const statusSchema = object(
  {
    destinationId: { type: 'string' },
    enabled: { type: 'boolean' },
    pending: object({ events: { type: 'integer' }, bytes: { type: 'integer' } }, ['events', 'bytes']),
    lastDelivery: anything,
    lastError: anything,
    nextAttemptAt: { type: ['string', 'null'] },
    nextFlushAt: { type: ['string', 'null'] },
    sources: { type: 'array', items: anything },
  },
  ['destinationId', 'enabled', 'pending', 'lastDelivery', 'lastError', 'nextAttemptAt', 'nextFlushAt', 'sources'],
);
