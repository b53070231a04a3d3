/**
 * Parameter decorators of handler methods: say what each parameter
 * receives. A handler without any receives `(message, context)`.
 */
import { MetadataKey, type ParamSource } from "../metadata.js";

function param(source: ParamSource): ParameterDecorator {
  return (target, propertyKey, index) => {
    if (propertyKey === undefined) return; // constructor parameters belong to inversify
    const existing = Reflect.getOwnMetadata(MetadataKey.params, target, propertyKey) as Map<number, ParamSource> | undefined;
    const map = new Map(existing ?? []);
    map.set(index, source);
    Reflect.defineMetadata(MetadataKey.params, map, target, propertyKey);
  };
}

/** The decoded request, event or work item. */
export function Payload(): ParameterDecorator {
  return param({ kind: "payload" });
}

/** The whole `ServiceCallContext`. */
export function Ctx(): ParameterDecorator {
  return param({ kind: "context" });
}

/** The caller's metadata: all of it, or the value of `key` (`undefined` if absent). */
export function Metadata(key?: string): ParameterDecorator {
  return param({ kind: "metadata", key });
}

/** The absolute deadline of the call (Unix epoch ms), or `undefined`. */
export function Deadline(): ParameterDecorator {
  return param({ kind: "deadline" });
}

/** The `AbortSignal` aborted when the caller cancels, the deadline passes or the app stops. */
export function Signal(): ParameterDecorator {
  return param({ kind: "signal" });
}

/** The caller's ZAP user id, or `undefined`. */
export function UserId(): ParameterDecorator {
  return param({ kind: "userId" });
}
