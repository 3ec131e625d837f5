/**
 * What the delivery runtime and the admin API need from the destination types (src/destinations/
 * registry.ts): validate settings, name the secret ones, build a destination with its batching policy.
 * A narrow port so delivery does not depend on how the registry is laid out; `registry-adapter.ts` maps
 * the destinations' registry onto it.
 */
import type { Destination } from './destination.js';
import type { BatchingPolicy } from './flush-schedule.js';
import type { DeliveryLogger } from './runner.js';

export interface DestinationContext {
  /** Random id of this Sluice node (data dir), so object names are unique across nodes. */
  readonly nodeId: string;
  /** A directory of the destination's own for temporary files (created by the caller). */
  readonly spoolDirectory: string;
  readonly logger?: DeliveryLogger | undefined;
}

export interface BuiltDestination {
  readonly destination: Destination;
  readonly batching: BatchingPolicy;
  /** Releases connections and files; called when the destination is stopped or reconfigured. */
  close?(): Promise<void>;
}

export interface DestinationTypes {
  /** The known type names. */
  names(): string[];
  /**
   * Validates and normalizes raw settings; throws SluiceError `unknown_destination_type` or
   * `invalid_destination_setting` (the message names the setting).
   */
  validate(type: string, raw: unknown): Record<string, unknown>;
  /** Setting names never returned over the API. */
  secretSettings(type: string): readonly string[];
  create(type: string, settings: Readonly<Record<string, unknown>>, context: DestinationContext): BuiltDestination | Promise<BuiltDestination>;
}
