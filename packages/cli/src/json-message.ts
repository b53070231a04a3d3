/**
 * Protobuf messages from and to JSON as `skein call` takes and prints them
 * (protobuf's JSON mapping): 64-bit integers as strings, bytes as base64,
 * enums by name, every field printed (defaults too).
 */
import type { TypeRegistry } from "@skein/codec";
import { UsageError } from "./exit-code.js";

/** A reflected protobuf message type (protobufjs `Type`). */
type MessageType = ReturnType<TypeRegistry["lookup"]>;
type Field = MessageType["fieldsArray"][number];

const NUMBER_TYPES = new Set(["double", "float", "int32", "uint32", "sint32", "fixed32", "sfixed32"]);
const LONG_TYPES = new Set(["int64", "uint64", "sint64", "fixed64", "sfixed64"]);

/**
 * The message of `type` that `json` describes; a field the type lacks or a
 * value of the wrong kind is a usage error naming the field and what it takes.
 */
export function messageFromJson(type: MessageType, json: unknown): unknown {
  return type.fromObject(normalise(type, json, type.name));
}

/**
 * `message` as JSON-ready values: every field (defaults too), bytes as base64,
 * enums by name, non-finite floats as strings. 64-bit integers are already
 * decimal strings: the registry that decoded it was made with `longs: "string"`.
 */
export function messageToJson(type: MessageType, message: unknown): Record<string, unknown> {
  const source = message as Record<string, unknown>;
  const json: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    const value = source[field.name];
    if (field.map) {
      const entries = Object.entries((value ?? {}) as Record<string, unknown>);
      json[field.name] = Object.fromEntries(entries.map(([key, item]) => [key, valueToJson(field, item)]));
    } else if (field.repeated) {
      json[field.name] = ((value ?? []) as unknown[]).map((item) => valueToJson(field, item));
    } else {
      json[field.name] = valueToJson(field, value);
    }
  }
  return json;
}

function valueToJson(field: Field, value: unknown): unknown {
  const resolved = field.resolvedType;
  if (value === null || value === undefined) return null;
  if (resolved !== null && "fields" in resolved) return messageToJson(resolved as MessageType, value);
  if (resolved !== null) return (resolved as { valuesById: Record<number, string> }).valuesById[value as number] ?? value;
  if (field.type === "bytes") {
    // An unset bytes field reads protobufjs's default, a plain empty array.
    const bytes = value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : Buffer.from(value as number[]);
    return bytes.toString("base64");
  }
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  if (typeof value === "bigint") return value.toString();
  return value;
}

/** Checks `json` against `type`, renaming snake_case keys to the fields' lowerCamelCase names. */
function normalise(type: MessageType, json: unknown, path: string): Record<string, unknown> {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new UsageError(`${path} must be a JSON object (a ${type.fullName.slice(1)})`);
  }
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    const name = key in type.fields ? key : key.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
    const field = type.fields[name];
    if (field === undefined) {
      throw new UsageError(`${type.fullName.slice(1)} has no field "${key}" (its fields: ${Object.keys(type.fields).join(", ") || "none"})`);
    }
    const where = `${path}.${name}`;
    if (value === null) continue;
    if (field.map) {
      if (typeof value !== "object" || Array.isArray(value)) throw new UsageError(`${where} is a map: give a JSON object`);
      result[name] = Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, check(field, v, `${where}.${k}`)]));
    } else if (field.repeated) {
      if (!Array.isArray(value)) throw new UsageError(`${where} is repeated: give a JSON array`);
      result[name] = value.map((item, index) => check(field, item, `${where}[${index}]`));
    } else {
      result[name] = check(field, value, where);
    }
  }
  return result;
}

/** One value of `field` (an element, for a repeated or map field). */
function check(field: Field, value: unknown, where: string): unknown {
  const resolved = field.resolvedType;
  if (resolved !== null && "fields" in resolved) return normalise(resolved as MessageType, value, where);
  if (resolved !== null) {
    const values = (resolved as { values: Record<string, number> }).values;
    if ((typeof value === "string" && value in values) || (typeof value === "number" && Object.values(values).includes(value))) return value;
    throw new UsageError(`${where} is an enum: one of ${Object.keys(values).join(", ")}`);
  }
  const ok = NUMBER_TYPES.has(field.type)
    ? typeof value === "number" || (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value)))
    : LONG_TYPES.has(field.type)
      ? Number.isInteger(value) || (typeof value === "string" && /^-?\d+$/.test(value))
      : field.type === "bool"
        ? typeof value === "boolean"
        : field.type === "bytes"
          ? typeof value === "string" && /^[A-Za-z0-9+/_-]*={0,2}$/.test(value)
          : typeof value === "string";
  if (!ok) throw new UsageError(`${where} is a ${field.type}${field.type === "bytes" ? " (base64 text)" : LONG_TYPES.has(field.type) ? " (a number or a string of digits)" : ""}, got ${JSON.stringify(value)}`);
  return typeof value === "string" && NUMBER_TYPES.has(field.type) ? Number(value) : value;
}
