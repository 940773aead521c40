import { z } from 'zod';

/** The storage kinds a field can have; each maps to one SQL type and one set of filter operators. */
export type FieldKind =
  | 'string'
  | 'text'
  | 'email'
  | 'uuid'
  | 'int'
  | 'bigint'
  | 'float'
  | 'numeric'
  | 'boolean'
  | 'enum'
  | 'timestamp'
  | 'date'
  | 'json';

/** Flags a field accumulates as its builder is called; tracked in the type so DTOs and filters follow them. */
export type FieldFlag =
  | 'null'
  | 'default'
  | 'filter'
  | 'sort'
  | 'list'
  | 'unique'
  | 'system'
  | 'hidden'
  | 'immutable';

export type OnDelete = 'cascade' | 'set null' | 'restrict' | 'no action';

export interface FieldReference {
  readonly entity: string;
  readonly onDelete: OnDelete;
}

/** Everything the runtime needs to know about one field. */
export interface FieldConfig {
  readonly kind: FieldKind;
  /** Validates a non-null value of the field (trimming, lengths, formats). */
  readonly schema: z.ZodType;
  readonly nullable: boolean;
  readonly hasDefault: boolean;
  /** A value applied by the create DTO when the field is absent. */
  readonly defaultValue?: unknown;
  /** A SQL expression used as the column default (system fields: now(), gen_random_uuid()). */
  readonly sqlDefault?: string;
  readonly unique: boolean;
  readonly index: boolean;
  readonly filterable: boolean;
  readonly sortable: boolean;
  readonly listed: boolean;
  /** System fields are set by the server, never accepted from a client. */
  readonly system: boolean;
  /** Hidden fields (a password hash) are stored but never read back nor accepted through the API. */
  readonly hidden: boolean;
  /** Set on create, never changed: left out of the update DTO; an update that sends it is BAD_REQUEST. */
  readonly immutable: boolean;
  readonly maxLength?: number;
  readonly values?: readonly string[];
  readonly precision?: readonly [number, number];
  readonly references?: FieldReference;
  readonly description?: string;
}

/**
 * One field of an entity. `T` is the value type, `K` the storage kind and `F` the flags set on it.
 * Builders never mutate: each call returns a new field.
 */
export interface Field<T = unknown, K extends FieldKind = FieldKind, F extends FieldFlag = never> {
  readonly config: FieldConfig;
  /** Phantom members: carry the value type, kind and flags for the type-level derivations. */
  readonly _type?: T;
  readonly _kind?: K;
  readonly _flags?: F;
  /** The column accepts NULL and the create DTO may omit it. */
  nullable(): Field<T, K, F | 'null'>;
  /** A value the create DTO fills in when the field is absent; also the column default where it is a literal. */
  default(value: T): Field<T, K, F | 'default'>;
  /** Usable in `where`, with the operators of its kind. */
  filterable(): Field<T, K, F | 'filter'>;
  /** Usable in `orderBy` and keyset cursors. */
  sortable(): Field<T, K, F | 'sort'>;
  /** Part of the light list item returned by `list`. */
  list(): Field<T, K, F | 'list'>;
  /** A UNIQUE constraint; a duplicate is CONFLICT naming this field. */
  unique(): Field<T, K, F | 'unique'>;
  /** Stored, but never returned by reads nor accepted by the DTOs: only server code writes it. */
  hidden(): Field<T, K, F | 'hidden'>;
  /** Set on create and never changed (a row's tenant, its parent): not part of the update DTO. */
  immutable(): Field<T, K, F | 'immutable'>;
  /** A plain b-tree index on the column. */
  index(): Field<T, K, F>;
  /** A description kept as the column comment and shown in the admin app. */
  describe(text: string): Field<T, K, F>;
}

// biome-ignore lint/suspicious/noExplicitAny: the widest field, used only as a constraint
export type AnyField = Field<any, FieldKind, FieldFlag>;

export function makeField<T, K extends FieldKind, F extends FieldFlag>(config: FieldConfig): Field<T, K, F> {
  const next = <F2 extends FieldFlag>(patch: Partial<FieldConfig>) =>
    makeField<T, K, F2>({ ...config, ...patch });
  return {
    config,
    nullable: () => next({ nullable: true }),
    default: (value) => next({ hasDefault: true, defaultValue: value, sqlDefault: sqlLiteral(value) }),
    filterable: () => next({ filterable: true }),
    sortable: () => next({ sortable: true }),
    list: () => next({ listed: true }),
    unique: () => next({ unique: true }),
    hidden: () => next({ hidden: true }),
    immutable: () => next({ immutable: true }),
    index: () => next({ index: true }),
    describe: (text) => next({ description: text }),
  };
}

/** The SQL literal of a default value, or undefined where the default is applied by the DTO only. */
function sqlLiteral(value: unknown): string | undefined {
  if (typeof value === 'boolean' || typeof value === 'number' || typeof value === 'bigint')
    return String(value);
  if (typeof value === 'string') return `'${value.replaceAll("'", "''")}'`;
  return undefined;
}

export const baseConfig = {
  nullable: false,
  hasDefault: false,
  unique: false,
  index: false,
  filterable: false,
  sortable: false,
  listed: false,
  system: false,
  hidden: false,
  immutable: false,
} as const;

export interface StringOptions {
  /** Maximum length in characters (default 255); the column is varchar(max). */
  max?: number;
  /** Minimum length after trimming (default 1: names are never blank). */
  min?: number;
  /** A pattern the value must match, with the message shown when it does not. */
  pattern?: { regex: RegExp; message: string };
}

// ---------------------------------------------------------------------------------------------
// What the database can store: every string and JSON value a DTO accepts passes these checks,
// so a value PostgreSQL would refuse is a BAD_REQUEST naming its field, never a database error.

/** NUL (PostgreSQL text cannot hold it) and unpaired UTF-16 surrogates (no UTF-8 encoding). */
const unstorable = new RegExp(
  `${String.fromCharCode(0)}|[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]`,
);
export const unstorableMessage = 'must not contain NUL characters or unpaired surrogates';

/** True when PostgreSQL can store the string as text. */
export const isStorableText = (value: string): boolean => !unstorable.test(value);

/** A string schema refusing what the database cannot store (the base of every text-like DTO). */
export const storableString = () => z.string().refine(isStorableText, { error: unstorableMessage });

/** What JSON can carry: the type of a `f.json` field's documents and of the values a JSON filter compares. */
export type JsonPrimitive = string | number | boolean | null;
/**
 * A JSON value. A bigint, a Date, a Map or a class instance is not one (it does not compile
 * where a `JsonValue` is expected, and is refused at run time naming its path): send a bigint
 * as a string or a number, a date as an ISO string.
 */
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
/** A JSON object (an absent optional key is left out, as `JSON.stringify` does). */
export type JsonObject = { [key: string]: JsonValue | undefined };

/** How deep a JSON value may nest (arrays and objects). */
export const maxJsonDepth = 100;

/** Why a value is not JSON (a class instance is named by its constructor). */
function notJson(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return isStorableText(value) ? undefined : unstorableMessage;
    case 'number':
      return Number.isFinite(value) ? undefined : 'must be a finite number (JSON has no NaN or Infinity)';
    case 'boolean':
      return undefined;
    case 'bigint':
      return 'a bigint is not a JSON value: send it as a string or a number';
    case 'object': {
      if (value === null || Array.isArray(value)) return undefined;
      if (value instanceof Date) return 'a Date is not a JSON value: send it as an ISO string';
      const proto = Object.getPrototypeOf(value);
      if (proto === Object.prototype || proto === null) return undefined;
      return `a ${proto?.constructor?.name ?? 'class instance'} is not a JSON value`;
    }
    default:
      return `${typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`} is not a JSON value`;
  }
}

/**
 * The first part of a value that JSON cannot carry or jsonb cannot store (a bigint, a Date, NaN,
 * a NUL character, a key with a lone surrogate, nesting deeper than `maxJsonDepth`), with its
 * path inside the value; undefined when the whole value is storable JSON.
 */
export function jsonValueIssue(
  value: unknown,
  depth = 0,
): { path: (string | number)[]; message: string } | undefined {
  const why = notJson(value);
  if (why) return { path: [], message: why };
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth >= maxJsonDepth) return { path: [], message: `must nest at most ${maxJsonDepth} levels deep` };
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value);
  for (const [key, v] of entries) {
    if (typeof key === 'string' && !isStorableText(key)) return { path: [key], message: unstorableMessage };
    // an absent optional key is left out by JSON.stringify; in an array it would become null
    if (v === undefined && typeof key === 'string') continue;
    const inner = jsonValueIssue(v, depth + 1);
    if (inner) return { path: [key, ...inner.path], message: inner.message };
  }
  return undefined;
}

/** The path, inside a JSON value, of the first key or string the database cannot store (jsonb); undefined when all are fine. */
export function unstorableJsonPath(value: unknown, depth = 0): (string | number)[] | undefined {
  if (typeof value === 'string') return isStorableText(value) ? undefined : [];
  if (typeof value !== 'object' || value === null || depth > 100) return undefined;
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value);
  for (const [key, v] of entries) {
    if (typeof key === 'string' && !isStorableText(key)) return [key];
    const inner = unstorableJsonPath(v, depth + 1);
    if (inner) return [key, ...inner];
  }
  return undefined;
}

/**
 * Adds the JSON check to a schema: an issue at the offending key or value for what JSON cannot
 * carry (a bigint, a Date, NaN) or jsonb cannot store (NUL, lone surrogates).
 */
export function storableJson<T>(schema: z.ZodType<T>): z.ZodType<T> {
  return schema.superRefine((value, ctx) => {
    const issue = jsonValueIssue(value);
    if (issue) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  });
}

/** Any JSON value, checked as `storableJson` does. */
export const jsonValue = (): z.ZodType<JsonValue> => storableJson(z.unknown() as z.ZodType<JsonValue>);

/** The range of a PostgreSQL `integer` and `bigint` column. */
export const intRange = { min: -2147483648, max: 2147483647 } as const;
export const bigintRange = { min: -(2n ** 63n), max: 2n ** 63n - 1n } as const;
/** Timestamps from year 1 to 9999 (PostgreSQL stores more, JavaScript and ISO 8601 agree on these). */
export const timestampRange = {
  min: new Date('0001-01-01T00:00:00.000Z'),
  max: new Date('9999-12-31T23:59:59.999Z'),
} as const;

/** A Date within `timestampRange`, its bounds named in the error. */
export const storableDate = () =>
  z
    .date({ error: 'must be a date' })
    .min(timestampRange.min, { error: 'must be in year 1 or later' })
    .max(timestampRange.max, { error: 'must be in year 9999 or earlier' });

/** A decimal string that fits `numeric(precision, scale)`: at most precision - scale integer digits. */
export function numericString(precision: number, scale: number) {
  const integerDigits = precision - scale;
  return z
    .string()
    .regex(/^-?\d+(\.\d+)?$/, { error: 'must be a decimal number' })
    .refine(
      (v) =>
        v
          .replace(/^-/, '')
          .split('.')[0]!
          .replace(/^0+(?=\d)/, '').length <= integerDigits,
      {
        error: `must have at most ${integerDigits} digits before the decimal point`,
      },
    );
}

/** Field builders. Each returns an immutable field definition. */
export const f = {
  /** A short trimmed string, non-empty by default; `varchar(max)`. */
  string(options: StringOptions = {}): Field<string, 'string'> {
    const max = options.max ?? 255;
    const min = options.min ?? 1;
    let schema = storableString()
      .trim()
      .min(min, { error: min === 1 ? 'must not be empty' : `must be at least ${min} characters` })
      .max(max, { error: `must be at most ${max} characters` });
    if (options.pattern) schema = schema.regex(options.pattern.regex, { error: options.pattern.message });
    return makeField({ ...baseConfig, kind: 'string', schema, maxLength: max });
  },
  /** Long free text, trimmed, may be empty; `text` with a length check. */
  text(options: { max?: number } = {}): Field<string, 'text'> {
    const max = options.max ?? 4096;
    const schema = storableString()
      .trim()
      .max(max, { error: `must be at most ${max} characters` });
    return makeField({ ...baseConfig, kind: 'text', schema, maxLength: max });
  },
  /** An email address, trimmed and lower-cased; `varchar(320)`. */
  email(): Field<string, 'email'> {
    const schema = storableString()
      .trim()
      .toLowerCase()
      .max(320, { error: 'must be at most 320 characters' })
      .pipe(z.email({ error: 'must be a valid email address' }));
    return makeField({ ...baseConfig, kind: 'email', schema, maxLength: 320 });
  },
  /** A uuid value (not a reference: see `ref`). */
  uuid(): Field<string, 'uuid'> {
    return makeField({ ...baseConfig, kind: 'uuid', schema: z.uuid({ error: 'must be a uuid' }) });
  },
  /** A reference to another entity's id: a uuid column with a named foreign key. */
  ref(entity: string, options: { onDelete?: OnDelete } = {}): Field<string, 'uuid', 'filter'> {
    return makeField({
      ...baseConfig,
      kind: 'uuid',
      schema: z.uuid({ error: 'must be a uuid' }),
      filterable: true,
      index: true,
      references: { entity, onDelete: options.onDelete ?? 'restrict' },
    });
  },
  /** A 32-bit integer. */
  int(options: { min?: number; max?: number } = {}): Field<number, 'int'> {
    const min = Math.max(options.min ?? intRange.min, intRange.min);
    const max = Math.min(options.max ?? intRange.max, intRange.max);
    const schema = z
      .number({ error: 'must be a number' })
      .int({ error: 'must be an integer' })
      .min(min, { error: `must be at least ${min}` })
      .max(max, { error: `must be at most ${max}` });
    return makeField({ ...baseConfig, kind: 'int', schema });
  },
  /** A 64-bit integer, carried as bigint end to end. */
  bigint(): Field<bigint, 'bigint'> {
    const schema = z
      .bigint({ error: 'must be a bigint' })
      .min(bigintRange.min, { error: 'is below the 64-bit range' })
      .max(bigintRange.max, { error: 'is above the 64-bit range' });
    return makeField({ ...baseConfig, kind: 'bigint', schema });
  },
  /** A double precision number. */
  float(): Field<number, 'float'> {
    return makeField({ ...baseConfig, kind: 'float', schema: z.number({ error: 'must be a number' }) });
  },
  /** An exact decimal, carried as a string so no precision is lost; `numeric(p, s)`. */
  numeric(precision = 12, scale = 2): Field<string, 'numeric'> {
    const schema = numericString(precision, scale);
    return makeField({ ...baseConfig, kind: 'numeric', schema, precision: [precision, scale] });
  },
  boolean(): Field<boolean, 'boolean'> {
    return makeField({
      ...baseConfig,
      kind: 'boolean',
      schema: z.boolean({ error: 'must be true or false' }),
    });
  },
  /** One of a fixed set of strings; a CHECK constraint in the table. */
  enum<const V extends readonly [string, ...string[]]>(values: V): Field<V[number], 'enum'> {
    const schema = z.enum(values, { error: `must be one of: ${values.join(', ')}` });
    return makeField({ ...baseConfig, kind: 'enum', schema, values });
  },
  /** A point in time; `timestamptz`, a Date in TypeScript. */
  timestamp(): Field<Date, 'timestamp'> {
    return makeField({ ...baseConfig, kind: 'timestamp', schema: storableDate() });
  },
  /**
   * A JSON document; `jsonb`. With a Zod schema, the field's type is the schema's and every
   * write is validated by it (a bad document is BAD_REQUEST naming the path inside it); without,
   * any JSON object. Either way a value JSON cannot carry (a bigint, a Date) is refused.
   *
   * @example settings: f.json(z.object({ theme: z.enum(['light', 'dark']), tabs: z.array(z.string()) }))
   */
  json<T extends JsonObject = JsonObject>(
    schema: z.ZodType<T> = z.record(z.string(), z.unknown()) as unknown as z.ZodType<T>,
  ): Field<T, 'json'> {
    return makeField({ ...baseConfig, kind: 'json', schema: storableJson(schema) });
  },
};
