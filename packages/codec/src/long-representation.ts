/**
 * How 64-bit integer fields (`int64`, `uint64`, `sint64`, `fixed64`,
 * `sfixed64`) appear in decoded messages: protobufjs decodes them as `Long`
 * objects; a {@link TypeRegistry} turns them into the representation chosen
 * with its `longs` option, and back when encoding, so that what arrives is
 * what the generated types say.
 */
import protobuf from "protobufjs";
import { CodecError, CodecErrorCode } from "./errors.js";

/**
 * The JavaScript type of decoded 64-bit fields:
 *
 * - `"bigint"` (default): exact over the whole range; `JSON.stringify`
 *   needs a replacer for it.
 * - `"number"`: convenient, exact only up to `Number.MAX_SAFE_INTEGER`
 *   (2^53 − 1); decoding a larger value fails with
 *   `ERR_CODEC_UNSAFE_INTEGER` rather than silently rounding it.
 * - `"string"`: exact decimal text (as in the protobuf JSON mapping).
 *
 * Encoding accepts a `bigint`, an integer `number` or a decimal `string`
 * whatever the representation.
 */
export type LongRepresentation = "bigint" | "number" | "string";

/** The representation used when none is chosen: exact. */
export const DEFAULT_LONGS: LongRepresentation = "bigint";

const LONG_TYPES: ReadonlySet<string> = new Set(["int64", "uint64", "sint64", "fixed64", "sfixed64"]);
const UNSIGNED_TYPES: ReadonlySet<string> = new Set(["uint64", "fixed64"]);
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const DECIMAL = /^-?\d+$/;

/** Whether a protobuf scalar type name is one of the 64-bit integer types. */
export function isLongType(type: string): boolean {
  return LONG_TYPES.has(type);
}

/** One field of a type that holds 64-bit integers, itself or deeper down. */
interface LongField {
  readonly name: string;
  readonly shape: "single" | "repeated" | "map";
  /** The 64-bit scalar's type name (`"uint64"`), or `null` for a message field that contains some. */
  readonly scalar: string | null;
  /** A `map<int64, ...>` field: protobufjs keys it by an 8-character hash of the key. */
  readonly longKey: boolean;
  readonly keyUnsigned: boolean;
  readonly message: protobuf.Type | null;
}

/**
 * Converts the 64-bit fields of messages of the types it has seen between
 * protobufjs's `Long` and `representation`. One per registry: it also sets
 * the prototype defaults of those types (what an unset field reads as), so
 * those must not be shared with a registry of another representation.
 */
export class LongConverter {
  readonly representation: LongRepresentation;
  readonly #plans = new Map<protobuf.Type, readonly LongField[]>();
  /** Types whose plan is being computed (recursive messages). */
  readonly #building = new Set<protobuf.Type>();

  constructor(representation: LongRepresentation = DEFAULT_LONGS) {
    if (representation !== "bigint" && representation !== "number" && representation !== "string") {
      throw new CodecError(CodecErrorCode.INVALID_SCHEMA, `longs must be "bigint", "number" or "string", got ${JSON.stringify(representation)}`);
    }
    this.representation = representation;
  }

  /** Rewrites, in place, the 64-bit fields of a message protobufjs decoded. */
  decoded(type: protobuf.Type, message: Record<string, unknown>): void {
    for (const field of this.#plan(type)) {
      if (!Object.hasOwn(message, field.name)) continue;
      const value = message[field.name];
      if (value === null || value === undefined) continue;
      const convert = (item: unknown): unknown => {
        if (field.message !== null) {
          if (item !== null && typeof item === "object") this.decoded(field.message, item as Record<string, unknown>);
          return item;
        }
        return this.#fromWire(item, field.name);
      };
      if (field.shape === "single") message[field.name] = convert(value);
      else if (field.shape === "repeated") message[field.name] = (value as unknown[]).map(convert);
      else message[field.name] = this.#decodedMap(field, value as Record<string, unknown>, convert);
    }
  }

  /**
   * The value to give protobufjs for `value` of `type`: the same object when
   * it holds no 64-bit field to convert, else a copy whose 64-bit fields are
   * `Long`s (the caller's object is never changed).
   * @throws {@link CodecError} `ERR_CODEC_INVALID_MESSAGE` for a value out of its type's range or not an integer
   */
  toEncode(type: protobuf.Type, value: unknown): unknown {
    if (value === null || typeof value !== "object") return value;
    let copy: Record<string, unknown> | null = null;
    const source = value as Record<string, unknown>;
    for (const field of this.#plan(type)) {
      const current = source[field.name];
      if (current === null || current === undefined || !Object.hasOwn(source, field.name)) continue;
      const convert = (item: unknown, where: string): unknown =>
        field.message !== null ? this.toEncode(field.message, item) : toLong(item, UNSIGNED_TYPES.has(field.scalar!), where);
      let next: unknown;
      if (field.shape === "single") next = convert(current, field.name);
      else if (field.shape === "repeated") next = Array.isArray(current) ? mapIfChanged(current, (item, index) => convert(item, `${field.name}[${index}]`)) : current;
      else next = this.#encodedMap(field, current, convert);
      if (next !== current) (copy ??= copyMessage(source))[field.name] = next;
    }
    return copy ?? value;
  }

  /** Which fields of `type` hold 64-bit integers (computed once; sets the prototype defaults). */
  #plan(type: protobuf.Type): readonly LongField[] {
    const known = this.#plans.get(type);
    if (known !== undefined) return known;
    const fields: LongField[] = [];
    // Set before recursing: a recursive message refers to its own (growing) plan.
    this.#plans.set(type, fields);
    this.#building.add(type);
    const prototype = type.ctor.prototype as Record<string, unknown>;
    for (const field of type.fieldsArray) {
      field.resolve();
      const map = field instanceof protobuf.MapField;
      const longKey = map && isLongType((field as protobuf.MapField).keyType);
      const keyUnsigned = map && UNSIGNED_TYPES.has((field as protobuf.MapField).keyType);
      const shape = map ? "map" : field.repeated ? "repeated" : "single";
      if (isLongType(field.type)) {
        fields.push({ name: field.name, shape, scalar: field.type, longKey, keyUnsigned, message: null });
        const fallback = prototype[field.name];
        if (shape === "single" && fallback !== null && fallback !== undefined) prototype[field.name] = this.#fromWire(fallback, field.name);
      } else if (field.resolvedType instanceof protobuf.Type) {
        // A type still being planned (recursion) may turn out to hold some: kept, to be safe.
        const nested = field.resolvedType;
        if (longKey || this.#building.has(nested) || this.#plan(nested).length > 0) {
          fields.push({ name: field.name, shape, scalar: null, longKey, keyUnsigned, message: field.resolvedType });
        }
      } else if (longKey) {
        fields.push({ name: field.name, shape, scalar: null, longKey, keyUnsigned, message: null });
      }
    }
    this.#building.delete(type);
    return fields;
  }

  #decodedMap(field: LongField, map: Record<string, unknown>, convert: (item: unknown) => unknown): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(map)) {
      // protobufjs keys a map<int64, V> by an 8-character hash of the Long: give the decimal key.
      const decimalKey = field.longKey ? protobuf.util.LongBits.fromHash(key).toLong(field.keyUnsigned).toString() : key;
      out[decimalKey] = field.scalar === null && field.message === null ? item : convert(item);
    }
    return out;
  }

  #encodedMap(field: LongField, current: unknown, convert: (item: unknown, where: string) => unknown): unknown {
    if (current === null || typeof current !== "object") return current;
    if (field.scalar === null && field.message === null) return current; // only the keys are 64-bit: protobufjs reads decimal keys
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(current)) {
      out[key] = convert(item, `${field.name}[${JSON.stringify(key)}]`);
      if (out[key] !== item) changed = true;
    }
    return changed ? out : current;
  }

  /** A decoded `Long` (or number, for a small default) as the chosen representation. */
  #fromWire(value: unknown, name: string): unknown {
    const long = value as protobuf.Long | number;
    switch (this.representation) {
      case "bigint":
        return typeof long === "number" ? BigInt(long) : BigInt(long.toString());
      case "string":
        return long.toString();
      case "number": {
        const number = typeof long === "number" ? long : Number(BigInt(long.toString()));
        if (!Number.isSafeInteger(number)) {
          throw new CodecError(
            CodecErrorCode.UNSAFE_INTEGER,
            `field ${name} holds ${long.toString()}, beyond Number.MAX_SAFE_INTEGER: decode 64-bit fields as "bigint" or "string" (the longs option)`,
          );
        }
        return number;
      }
    }
  }
}

/** `value` as protobufjs writes a 64-bit field: bigint and decimal strings become `Long`s, after a range check. */
function toLong(value: unknown, unsigned: boolean, where: string): unknown {
  let big: bigint;
  if (typeof value === "bigint") big = value;
  else if (typeof value === "string" && DECIMAL.test(value)) big = BigInt(value);
  else if (typeof value === "string") throw invalid(where, `${JSON.stringify(value)} is not a decimal integer`);
  else return value; // numbers and Longs: protobufjs checks them
  if (unsigned ? big < 0n || big > UINT64_MAX : big < INT64_MIN || big > INT64_MAX) {
    throw invalid(where, `${big} is out of the ${unsigned ? "unsigned" : "signed"} 64-bit range`);
  }
  return (protobuf.util.Long as unknown as LongClass).fromString(big.toString(), unsigned);
}

/** long.js's `Long` class, which protobufjs loads (its typings declare only the instance shape). */
interface LongClass {
  fromString(text: string, unsigned: boolean): protobuf.Long;
}

function invalid(where: string, problem: string): CodecError {
  return new CodecError(CodecErrorCode.INVALID_MESSAGE, `field ${where}: ${problem}`);
}

function mapIfChanged(items: unknown[], convert: (item: unknown, index: number) => unknown): unknown[] {
  let out: unknown[] | null = null;
  for (let index = 0; index < items.length; index++) {
    const next = convert(items[index], index);
    if (next !== items[index]) (out ??= items.slice())[index] = next;
  }
  return out ?? items;
}

/** A shallow copy keeping what protobufjs encodes: own fields, and the unknown fields a decoded message carries. */
function copyMessage(source: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...source };
  for (const key of Object.getOwnPropertyNames(source)) if (!(key in copy)) copy[key] = source[key];
  return copy;
}
