/**
 * Maps the destinations' registry (src/destinations/registry.ts) onto the delivery runtime's
 * `DestinationTypes` port: validation failures become `invalid_destination_setting` naming each setting,
 * unknown types `unknown_destination_type`, and `close` releases the destination's connections.
 */
import { requireDestinationType, destinationTypes } from '../destinations/registry.js';
import { settingsError } from '../destinations/settings-schema.js';
import type { DestinationTypes } from './destination-types.js';

export const registeredDestinationTypes: DestinationTypes = {
  names: () => Object.keys(destinationTypes),
  validate(type, raw) {
    const result = requireDestinationType(type).validate(raw);
    if (!result.ok) throw settingsError(type, result.problems);
    return result.settings;
  },
  secretSettings: (type) => requireDestinationType(type).secretSettings,
  create(type, settings, context) {
    const built = requireDestinationType(type).create(settings, context);
    return { destination: built.destination, batching: built.batching, close: () => built.destination.close() };
  },
};
