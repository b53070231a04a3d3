/**
 * The default context's options, shared by every thread of the process: a
 * SharedArrayBuffer handed to worker threads through Node's environment data
 * (`setEnvironmentData`), which each worker inherits from the thread that
 * starts it. An option set in one thread is seen by the others at once, as
 * with `zeromq`, whose threads share one native context.
 *
 * Context options are numbers and booleans, one Float64 slot each (NaN: not
 * set, the default applies).
 */
import { getEnvironmentData, setEnvironmentData } from "node:worker_threads";
import type { OptionSpec } from "./options.js";

/** The environment-data key; the version changes if the layout does. */
const KEY = "skein:default-context-options:1";

/**
 * An options record (as `Context.options`) over shared memory: the slots of
 * the thread's parent when it loaded skein before starting this thread, new
 * ones (inherited by the threads this one starts) otherwise.
 */
export function sharedOptions(specs: Readonly<Record<string, OptionSpec>>): Record<string, unknown> {
  const names = Object.keys(specs);
  let memory = getEnvironmentData(KEY) as SharedArrayBuffer | undefined;
  if (!(memory instanceof SharedArrayBuffer) || memory.byteLength !== names.length * 8) {
    memory = new SharedArrayBuffer(names.length * 8);
    new Float64Array(memory).fill(Number.NaN);
    setEnvironmentData(KEY, memory);
  }
  const slots = new Float64Array(memory);
  const index = new Map(names.map((name, i) => [name, i]));
  return new Proxy(Object.create(null) as Record<string, unknown>, {
    get(_target, name) {
      const i = index.get(name as string);
      if (i === undefined) return undefined;
      const value = slots[i]!;
      if (Number.isNaN(value)) return undefined;
      return specs[name as string]!.kind === "bool" ? value !== 0 : value;
    },
    set(_target, name, value) {
      const i = index.get(name as string);
      if (i === undefined) return false;
      slots[i] = value === true ? 1 : value === false ? 0 : Number(value);
      return true;
    },
  });
}
