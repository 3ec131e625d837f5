/**
 * The destinations API's bodies: reading POST/PATCH requests into domain changes (every problem named
 * with a precise code), and writing a destination back with its secret settings masked. Secrets are
 * write-only: never returned, shown as `maskedSecret`, and a PATCH that sends the mask (or omits the
 * key) keeps the stored value.
 */
import { SluiceError } from '../errors/index.js';
import type { DestinationTypes } from '../delivery/destination-types.js';
import type { DestinationRecord } from '../delivery/stores.js';

export const maskedSecret = '********';

export interface DestinationJson {
  id: string;
  type: string;
  name: string;
  enabled: boolean;
  sourceIds: string[];
  settings: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export function destinationJson(record: DestinationRecord, types: DestinationTypes): DestinationJson {
  const secrets = secretSettingsOf(types, record.type);
  const settings: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(record.settings)) {
    if (value === undefined || value === null) continue;
    settings[name] = secrets === 'all' || secrets.includes(name) ? maskedSecret : value;
  }
  return {
    id: record.id,
    type: record.type,
    name: record.name,
    enabled: record.enabled,
    sourceIds: [...record.sourceIds],
    settings,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

export interface CreateRequest {
  type: string;
  name: string;
  sourceIds: string[];
  settings: Record<string, unknown>;
  enabled: boolean;
}

export interface PatchRequest {
  name?: string;
  sourceIds?: string[];
  /** Keys to change; null removes a key (its default applies). */
  settings?: Record<string, unknown>;
  enabled?: boolean;
}

export function readCreateRequest(body: unknown): CreateRequest {
  const fields = objectBody(body, ['type', 'name', 'sourceIds', 'settings', 'enabled']);
  if (typeof fields.type !== 'string' || fields.type === '') throw invalid('"type" must be a destination type name such as "amazon-s3".');
  return {
    type: fields.type,
    name: nameOf(fields.name),
    sourceIds: sourceIdsOf(fields.sourceIds ?? []),
    settings: settingsOf(fields.settings ?? {}),
    enabled: enabledOf(fields.enabled ?? true),
  };
}

export function readPatchRequest(body: unknown): PatchRequest {
  const fields = objectBody(body, ['name', 'sourceIds', 'settings', 'enabled']);
  const patch: PatchRequest = {};
  if (fields.name !== undefined) patch.name = nameOf(fields.name);
  if (fields.sourceIds !== undefined) patch.sourceIds = sourceIdsOf(fields.sourceIds);
  if (fields.settings !== undefined) patch.settings = settingsOf(fields.settings);
  if (fields.enabled !== undefined) patch.enabled = enabledOf(fields.enabled);
  return patch;
}

/**
 * The settings to validate for a change: stored ⊕ patch. A secret sent back as the mask, or left out,
 * keeps its stored value; null removes a key.
 */
export function mergeSettings(stored: Readonly<Record<string, unknown>>, patch: Readonly<Record<string, unknown>>, secrets: readonly string[]): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...stored };
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete merged[name];
    else if (value === maskedSecret && secrets.includes(name)) continue;
    else merged[name] = value;
  }
  return merged;
}

/** Settings as given, minus a mask sent on create (there is nothing stored to keep). */
export function withoutMasks(settings: Record<string, unknown>, secrets: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(settings).filter(([name, value]) => !(secrets.includes(name) && value === maskedSecret)));
}

function secretSettingsOf(types: DestinationTypes, type: string): readonly string[] | 'all' {
  try {
    return types.secretSettings(type);
  } catch {
    // An unknown (e.g. retired) type: hide every setting rather than risk showing a secret.
    return 'all';
  }
}

function objectBody(body: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('The body must be a JSON object.');
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) throw invalid(`Unknown field "${key}" (allowed: ${allowed.join(', ')}).`);
  }
  return body as Record<string, unknown>;
}

function nameOf(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > 200) throw invalid('"name" must be a non-empty string of at most 200 characters.');
  return value.trim();
}

function sourceIdsOf(value: unknown): string[] {
  if (!Array.isArray(value) || value.some((id) => typeof id !== 'string' || id === '')) throw invalid('"sourceIds" must be an array of source ids.');
  return [...new Set(value as string[])];
}

function settingsOf(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SluiceError('invalid_destination_setting', '"settings" must be a JSON object of the type\'s settings.');
  }
  return value as Record<string, unknown>;
}

function enabledOf(value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalid('"enabled" must be true or false.');
  return value;
}

const invalid = (message: string) => new SluiceError('invalid_destination', message);
