/**
 * The building blocks of the settings table (`settings.ts`): one constructor per kind of value. Each
 * kind knows how to turn a raw value into a typed one, whether the raw value is a string (CLI flag,
 * environment variable) or JSON (config file), and says in words why a value is refused. Nothing here
 * knows about any particular setting or where values come from.
 */

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

export interface SettingDefinition<T> {
  /** Short kind name shown in docs ("integer", "bytes", ...). */
  readonly kind: string;
  /** One or two sentences for the docs and `--help`. */
  readonly doc: string;
  /** The value when no source sets it; `undefined` for optional settings. */
  readonly defaultValue: T;
  /** How the default reads in docs (bytes as "10 GiB", absent as "—"). */
  readonly defaultText: string;
  /** An example value as you would write it in an environment variable. */
  readonly example: string;
  /** Secrets are never echoed back in error messages. */
  readonly secret: boolean;
  parse(raw: unknown): ParseResult<T>;
}

interface Common<T> {
  doc: string;
  example: string;
  default: T;
  secret?: boolean;
}

const ok = <T>(value: T): ParseResult<T> => ({ ok: true, value });
const fail = (reason: string): ParseResult<never> => ({ ok: false, reason });

function define<T>(kind: string, options: Common<T>, defaultText: string, parse: (raw: unknown) => ParseResult<T>): SettingDefinition<T> {
  return {
    kind,
    doc: options.doc,
    defaultValue: options.default,
    defaultText,
    example: options.example,
    secret: options.secret ?? false,
    parse,
  };
}

function parseInteger(raw: unknown, min: number, max: number): ParseResult<number> {
  const value = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) return fail('must be an integer');
  if (value < min || value > max) return fail(`must be between ${min} and ${max}`);
  return ok(value);
}

export function integer(options: Common<number> & { min: number; max: number }): SettingDefinition<number> {
  return define('integer', options, String(options.default), (raw) => parseInteger(raw, options.min, options.max));
}

export function optionalInteger(options: Common<undefined> & { min: number; max: number }): SettingDefinition<number | undefined> {
  return define<number | undefined>('integer', options, '—', (raw) => parseInteger(raw, options.min, options.max));
}

const byteUnits: Record<string, number> = { '': 1, b: 1, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12 };

/** Formats a byte count the way the docs show defaults: the largest binary unit that divides it. */
export function formatBytes(bytes: number): string {
  for (const unit of ['TiB', 'GiB', 'MiB', 'KiB'] as const) {
    const size = byteUnits[unit.toLowerCase()]!;
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} B`;
}

/** A size in bytes: a plain integer, or a number with a unit ("10GiB", "500 KiB", "32kb"). */
export function bytes(options: Common<number> & { min: number; max?: number }): SettingDefinition<number> {
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  return define('bytes', options, formatBytes(options.default), (raw) => {
    if (typeof raw === 'number') return parseInteger(raw, options.min, max);
    if (typeof raw !== 'string') return fail('must be a byte size such as 1048576 or "10GiB"');
    const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(raw);
    const multiplier = match ? byteUnits[match[2]!.toLowerCase()] : undefined;
    if (!match || multiplier === undefined) return fail('must be a byte size such as 1048576 or "10GiB" (units: B, KiB, MiB, GiB, TiB, KB, MB, GB, TB)');
    const value = Math.round(Number(match[1]) * multiplier);
    return parseInteger(value, options.min, max);
  });
}

function parseText(raw: unknown): ParseResult<string> {
  if (typeof raw !== 'string') return fail('must be a string');
  if (raw.trim() === '') return fail('must not be empty');
  return ok(raw);
}

export function text(options: Common<string>): SettingDefinition<string> {
  return define('string', options, options.default, parseText);
}

export function optionalText(options: Common<undefined> & { minLength?: number }): SettingDefinition<string | undefined> {
  const minLength = options.minLength ?? 1;
  return define<string | undefined>('string', options, '—', (raw) => {
    const parsed = parseText(raw);
    if (parsed.ok && parsed.value.length < minLength) return fail(`must be at least ${minLength} characters long`);
    return parsed;
  });
}

/** An absolute http(s) URL, kept without a trailing slash. */
export function optionalUrl(options: Common<undefined>): SettingDefinition<string | undefined> {
  return define<string | undefined>('url', options, '—', (raw) => {
    const parsed = parseText(raw);
    if (!parsed.ok) return parsed;
    let url: URL;
    try {
      url = new URL(parsed.value);
    } catch {
      return fail('must be an absolute URL such as https://events.example.com');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail('must be an http:// or https:// URL');
    return ok(url.href.replace(/\/+$/, ''));
  });
}

const trueWords = new Set(['true', '1', 'yes', 'on']);
const falseWords = new Set(['false', '0', 'no', 'off']);

export function boolean(options: Common<boolean>): SettingDefinition<boolean> {
  return define('boolean', options, String(options.default), (raw) => {
    if (typeof raw === 'boolean') return ok(raw);
    if (typeof raw === 'string' && trueWords.has(raw.trim().toLowerCase())) return ok(true);
    if (typeof raw === 'string' && falseWords.has(raw.trim().toLowerCase())) return ok(false);
    return fail('must be true or false');
  });
}

export function oneOf<const V extends string>(options: Common<V> & { values: readonly V[] }): SettingDefinition<V> {
  return define(options.values.join(' | '), options, options.default, (raw) => {
    if (typeof raw === 'string' && (options.values as readonly string[]).includes(raw.trim())) return ok(raw.trim() as V);
    return fail(`must be one of ${options.values.join(', ')}`);
  });
}
