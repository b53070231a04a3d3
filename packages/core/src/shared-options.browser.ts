/**
 * shared-options.ts in a browser (core's package.json maps it here for the
 * `browser` field): no worker threads share the default context's options
 * (and SharedArrayBuffer needs a cross-origin isolated page), so they are a
 * plain record, as every other context's.
 */
import type { OptionSpec } from "./options.js";

/** A plain options record: nothing to share in a page. */
export function sharedOptions(_specs: Readonly<Record<string, OptionSpec>>): Record<string, unknown> {
  return Object.create(null) as Record<string, unknown>;
}
