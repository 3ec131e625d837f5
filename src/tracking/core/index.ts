/** The pure Tracking core: event model, validation, enrichment, ingest (no Node, HTTP, disk or S3). */
export { eventTypes, isEventType, isJsonObject, type EventType, type JsonObject, type Rejection } from './event-types.js';
export { validateEvent, maxMessageIdLength, type ValidEvent } from './validate.js';
export { enrichEvent, type RequestFacts } from './enrich.js';
export { readBatchEnvelope, singleEventEnvelope, bodyWriteKey, type Envelope } from './envelope.js';
export { ingestEvents, utf8ByteLength, type IngestResult, type IngestRecord, type RejectedEvent, type IngestOptions } from './ingest.js';
export { parseIsoTimestamp } from './timestamps.js';
