/**
 * The `amazon-s3` destination: Segment's S3 raw-log layout in the user's bucket (DESIGN B3, seed 000).
 * Wires settings → S3ObjectStore (PutObject only, SSE header per setting, region from redirects) →
 * the shared layout writer (keys, gzip NDJSON per received day). The runtime owns everything else.
 */
import type { BatchingPolicy } from '../../delivery/flush-schedule.js';
import type { DeliveredObject, DeliveryBatch, Destination } from '../../delivery/destination.js';
import { S3ObjectStore } from '../../storage/s3-object-store.js';
import type { DestinationContext } from '../context.js';
import { amazonS3BatchingOf, bucketLocationOf, type AmazonS3Settings } from './config.js';
import { describeError, isRetriable, type S3ErrorContext } from './errors.js';
import { isValidNodeId } from './keys.js';
import { sweepSpool, writeBatchObjects } from './uploader.js';

export interface BuiltDestination {
  readonly destination: Destination & { close(): Promise<void> };
  readonly batching: BatchingPolicy;
}

export function createAmazonS3Destination(settings: AmazonS3Settings, context: DestinationContext): BuiltDestination {
  if (!isValidNodeId(context.nodeId)) throw new RangeError(`Node id ${JSON.stringify(context.nodeId)} must be letters, digits, "_" or "-".`);
  const { bucket, prefix } = bucketLocationOf(settings);
  const store = new S3ObjectStore({
    bucket,
    ...(settings.region === undefined ? {} : { region: settings.region }),
    ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
    forcePathStyle: settings.forcePathStyle,
    ...(settings.accessKeyId !== undefined && settings.secretAccessKey !== undefined
      ? { credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey } }
      : {}),
    ...(settings.useServerSideEncryption ? { serverSideEncryption: 'AES256' as const } : {}),
  });
  const errorContext: S3ErrorContext = { bucket, prefix, useServerSideEncryption: settings.useServerSideEncryption, endpoint: settings.endpoint };
  let swept: Promise<void> | undefined;
  const destination = {
    async deliver(batch: DeliveryBatch, signal: AbortSignal): Promise<DeliveredObject[]> {
      // Leftovers of a crash mid-delivery; the spool directory is this destination's alone.
      swept ??= sweepSpool(context.spoolDirectory);
      await swept;
      return writeBatchObjects(batch, { store, prefix, nodeId: context.nodeId, spoolDirectory: context.spoolDirectory }, signal);
    },
    isRetriable,
    describeError: (error: unknown) => describeError(error, errorContext),
    close: () => store.close(),
  };
  return { destination, batching: amazonS3BatchingOf(settings) };
}
