/**
 * Destination settings as a declared schema (STYLE 5): each setting once, with its doc, default,
 * example and whether it is secret or required, built from the same value kinds as Sluice's own
 * settings (`src/config/setting-types.ts`). Validation is separate from building a destination and
 * reports every problem, each naming its setting; unknown keys are rejected by name.
 */
import { SluiceError } from '../errors/index.js';
import type { ParseResult, SettingDefinition } from '../config/setting-types.js';

export interface DestinationSetting<T> extends SettingDefinition<T> {
  readonly required: boolean;
}

export type SettingsSchema = Record<string, DestinationSetting<unknown>>;

/** The typed settings a schema validates to. */
export type SettingsOf<S extends SettingsSchema> = {
  readonly [K in keyof S]: S[K] extends DestinationSetting<infer T> ? T : never;
};

export interface SettingProblem {
  readonly setting: string;
  readonly message: string;
}

export type SettingsResult<T> = { ok: true; settings: T } | { ok: false; problems: SettingProblem[] };

/** A setting that may be omitted (its default applies). */
export function optional<T>(definition: SettingDefinition<T>): DestinationSetting<T> {
  return { ...definition, required: false };
}

/** A setting that must be present. */
export function required<T>(definition: SettingDefinition<T | undefined>): DestinationSetting<T> {
  return { ...(definition as SettingDefinition<T>), defaultText: '(required)', required: true };
}

/** A custom kind (e.g. cron pattern, bucket name) in the same shape as the config value kinds. */
export function customSetting<T>(options: { kind: string; doc: string; example: string; default: T; defaultText?: string; secret?: boolean; parse(raw: unknown): ParseResult<T> }): SettingDefinition<T> {
  return {
    kind: options.kind,
    doc: options.doc,
    defaultValue: options.default,
    defaultText: options.defaultText ?? (options.default === undefined ? '—' : String(options.default)),
    example: options.example,
    secret: options.secret ?? false,
    parse: options.parse,
  };
}

/** Parses raw settings (JSON from the API or the metadata store) against a schema. */
export function parseSettings<S extends SettingsSchema>(schema: S, raw: unknown): SettingsResult<SettingsOf<S>> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, problems: [{ setting: '(settings)', message: 'settings must be a JSON object' }] };
  }
  const problems: SettingProblem[] = [];
  const known = Object.keys(schema);
  for (const name of Object.keys(raw)) {
    if (!Object.hasOwn(schema, name)) problems.push({ setting: name, message: `unknown setting "${name}" (known settings: ${known.join(', ')})` });
  }
  const settings: Record<string, unknown> = {};
  for (const [name, definition] of Object.entries(schema)) {
    const value = (raw as Record<string, unknown>)[name];
    if (value === undefined || value === null) {
      if (definition.required) problems.push({ setting: name, message: `"${name}" is required: ${definition.doc}` });
      settings[name] = definition.defaultValue;
      continue;
    }
    const parsed = definition.parse(value);
    if (parsed.ok) settings[name] = parsed.value;
    // Secrets are never echoed back.
    else problems.push({ setting: name, message: `"${name}" ${parsed.reason}${definition.secret ? '' : ` (got ${JSON.stringify(value)})`}` });
  }
  return problems.length === 0 ? { ok: true, settings: settings as SettingsOf<S> } : { ok: false, problems };
}

/** The error the admin API answers with (`invalid_destination_setting`, 400), every problem in the message. */
export function settingsError(type: string, problems: readonly SettingProblem[]): SluiceError {
  return new SluiceError('invalid_destination_setting', `Invalid ${type} settings: ${problems.map((problem) => problem.message).join('; ')}.`);
}

/** Parses, or throws the `invalid_destination_setting` error. */
export function parseSettingsOrThrow<S extends SettingsSchema>(type: string, schema: S, raw: unknown): SettingsOf<S> {
  const result = parseSettings(schema, raw);
  if (!result.ok) throw settingsError(type, result.problems);
  return result.settings;
}
