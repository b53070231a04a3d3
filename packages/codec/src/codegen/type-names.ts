/**
 * How protobuf names become TypeScript names in generated code.
 */
import protobuf from "protobufjs";

/**
 * The TypeScript name of a message or enum: its name within its package, with
 * nesting joined by `_` (`example.Outer.Inner` becomes `Outer_Inner`).
 */
export function tsTypeName(type: protobuf.ReflectionObject): string {
  const parts: string[] = [type.name];
  let parent = type.parent;
  while (parent instanceof protobuf.Type) {
    parts.unshift(parent.name);
    parent = parent.parent;
  }
  return parts.join("_");
}

/** The fully-qualified protobuf name without its leading dot. */
export function protoName(object: protobuf.ReflectionObject): string {
  return object.fullName.startsWith(".") ? object.fullName.slice(1) : object.fullName;
}

/** The TypeScript member name of an rpc: lowerCamelCase (`SayHello` becomes `sayHello`). */
export function tsMethodName(method: protobuf.Method): string {
  return method.name.charAt(0).toLowerCase() + method.name.slice(1);
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A property key as TypeScript source: bare when it is an identifier, else quoted. */
export function tsPropertyKey(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

/** A `.proto` comment as a TSDoc block at `indent`, or `""` if there is none. */
export function tsDoc(comment: string | null | undefined, indent: string, fallback?: string): string {
  const text = (comment ?? "").trim() || (fallback ?? "");
  if (text === "") return "";
  const lines = text.replace(/\*\//g, "*\\/").split(/\r?\n/);
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`;
  return `${indent}/**\n${lines.map((line) => `${indent} *${line === "" ? "" : ` ${line}`}`).join("\n")}\n${indent} */\n`;
}
