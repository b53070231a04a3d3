/**
 * `@UseInterceptors`: interceptors of one service class or one handler.
 */
import type { Interceptor } from "../interceptor.js";
import { MetadataKey } from "../metadata.js";

/**
 * Runs `interceptors` (in order) around every handler of the class, or
 * around one handler when put on a method. Class interceptors run outside
 * method interceptors; app interceptors outside both.
 */
export function UseInterceptors(...interceptors: Interceptor[]): ClassDecorator & MethodDecorator {
  return ((target: object, propertyKey?: string | symbol) => {
    if (propertyKey === undefined) {
      const existing = (Reflect.getOwnMetadata(MetadataKey.interceptors, target) as Interceptor[] | undefined) ?? [];
      Reflect.defineMetadata(MetadataKey.interceptors, [...existing, ...interceptors], target);
    } else {
      const owner = (target as { constructor: object }).constructor;
      const existing = (Reflect.getOwnMetadata(MetadataKey.interceptors, owner, String(propertyKey)) as Interceptor[] | undefined) ?? [];
      Reflect.defineMetadata(MetadataKey.interceptors, [...existing, ...interceptors], owner, String(propertyKey));
    }
  }) as ClassDecorator & MethodDecorator;
}
