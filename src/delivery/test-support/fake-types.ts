/**
 * A DestinationTypes with one type, `fake`, whose destinations are FakeDestinations kept by name so a
 * test can inspect and fail them. Settings: { name: string, flushIntervalSeconds?: number }.
 */
import { SluiceError } from '../../errors/index.js';
import type { DestinationTypes } from '../destination-types.js';
import { FakeDestination } from './fake-destination.js';

export function fakeTypes(): DestinationTypes & { readonly instances: Map<string, FakeDestination> } {
  const instances = new Map<string, FakeDestination>();
  return {
    instances,
    names: () => ['fake'],
    validate(type, raw) {
      if (type !== 'fake') throw new SluiceError('unknown_destination_type');
      const settings = raw as Record<string, unknown>;
      if (typeof settings?.name !== 'string') throw new SluiceError('invalid_destination_setting', '"name" is required');
      return { ...settings };
    },
    secretSettings: () => ['secret'],
    create(_type, settings) {
      const name = settings.name as string;
      const destination = instances.get(name) ?? new FakeDestination();
      instances.set(name, destination);
      const interval = settings.flushIntervalSeconds as number | undefined;
      return {
        destination,
        batching: interval === undefined ? { maxBatchBytes: 1_000_000, flushSchedule: '0 0 1 1 *' } : { maxBatchBytes: 1_000_000, flushIntervalSeconds: interval },
      };
    },
  };
}
