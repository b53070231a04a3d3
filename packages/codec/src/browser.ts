/**
 * `@skein/codec` in a browser (the `browser` export condition): the Node
 * entry without `skein-codegen` (`generateTypeScript`, `codegenMain`), which
 * reads and writes files. Generated code, envelopes and the type registry
 * (from `.proto` source or JSON descriptors; not from a file path) work as
 * under Node, with `Uint8Array` frames. See docs/browser.md.
 */
export * from "./api.js";
