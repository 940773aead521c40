import type { z } from 'zod';

/** The parts of a Zod 4 schema's definition this file walks. */
interface SchemaDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  options?: z.ZodType[];
  element?: z.ZodType;
  getter?: () => z.ZodType;
  in?: z.ZodType;
}

const defOf = (schema: z.ZodType): SchemaDef => (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The schemas a union, optional, default or lazy stands for, unwrapped down to the ones that hold values. */
function alternatives(schema: z.ZodType, depth = 0): z.ZodType[] {
  const def = defOf(schema);
  if (depth > 20) return [schema];
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return alternatives(def.innerType!, depth + 1);
    case 'lazy':
      return alternatives(def.getter!(), depth + 1);
    case 'pipe':
      return alternatives(def.in!, depth + 1);
    case 'union':
      return def.options!.flatMap((o) => alternatives(o, depth + 1));
    default:
      return [schema];
  }
}

/**
 * A JSON value as the DTO `schema` reads it: ISO date strings where the schema takes a Date,
 * decimal strings (or integers) where it takes a bigint, at any depth (a `where` operand, an
 * include's filter, a nested create). Anything that does not fit is left as it is, so the DTO
 * refuses it by its path, exactly as tRPC would.
 *
 * @example revive(schema.dto('release').create, { releasedAt: '2026-01-01T00:00:00Z' }) // releasedAt: Date
 */
export function revive(schema: z.ZodType, value: unknown): unknown {
  const options = alternatives(schema);
  if (typeof value === 'string') {
    if (options.some((o) => defOf(o).type === 'date')) {
      const date = new Date(value);
      if (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(date.getTime())) return date;
    }
    if (options.some((o) => defOf(o).type === 'bigint') && /^-?\d{1,40}$/.test(value)) return BigInt(value);
    return value;
  }
  if (typeof value === 'number' && Number.isInteger(value) && options.some((o) => defOf(o).type === 'bigint'))
    return options.some((o) => defOf(o).type === 'number') ? value : BigInt(value);
  if (Array.isArray(value)) {
    const list = options.find((o) => defOf(o).type === 'array');
    return list ? value.map((v) => revive(defOf(list).element!, v)) : value;
  }
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    // the object alternative that knows every key (a where operand object, not a relation filter)
    const objects = options.filter((o) => defOf(o).type === 'object');
    const object = objects.find((o) => keys.every((k) => Object.hasOwn(defOf(o).shape!, k))) ?? objects[0];
    if (object) {
      const shape = defOf(object).shape!;
      const out: Record<string, unknown> = {};
      for (const k of keys) {
        const field = Object.hasOwn(shape, k) ? shape[k] : undefined;
        Object.defineProperty(out, k, {
          value: field ? revive(field, value[k]) : value[k],
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
  }
  return value;
}

/** JSON text of a response: bigints as decimal strings, dates as ISO strings (their toJSON). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}
