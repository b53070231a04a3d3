/**
 * Server reflection for `skein.Health/Describe`: the message types of a
 * service's methods as protobufjs JSON descriptors, so a caller with no
 * `.proto` (the `skein call` command) can encode requests and decode replies.
 * The idea of gRPC's server reflection, in protobufjs's own JSON form.
 */
import type { MessageCodec, MethodDescriptor } from "@skein/codec";

/** What reflection needs of a protobufjs type: its root, which serialises to the JSON descriptor. */
interface ReflectedRoot {
  toJSON(): unknown;
}

/**
 * The root of a codec's protobufjs type, or `undefined` for a codec that is
 * not reflection-based (a hand-written `MessageCodec`). Read by shape rather
 * than `instanceof ReflectionCodec`, so a codec from another copy of
 * `@skein/codec` (the CommonJS build beside the ES one) is described too.
 */
function rootOf(codec: MessageCodec<unknown>): ReflectedRoot | undefined {
  const type = (codec as { readonly type?: { readonly root?: ReflectedRoot } }).type;
  const root = type?.root;
  return typeof root?.toJSON === "function" ? root : undefined;
}

/**
 * The JSON descriptors (as JSON text, one per protobufjs root, each
 * `Root.fromJSON`-ready) that define every request and response type of
 * `methods`. Codecs from one generated file share a root, so it is sent once.
 */
export function describeSchemas(methods: Iterable<MethodDescriptor<unknown, unknown>>): string[] {
  const roots = new Set<ReflectedRoot>();
  for (const method of methods) {
    for (const codec of [method.requestCodec, method.responseCodec]) {
      const root = rootOf(codec);
      if (root !== undefined) roots.add(root);
    }
  }
  return [...roots].map((root) => JSON.stringify(root.toJSON()));
}
