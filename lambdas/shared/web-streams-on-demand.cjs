// `node:stream/web` as the deployed bundles carry it (lib/lambda-bundling.ts, docs/DECISIONS.md #337):
// every export of Node's module, each read from it when first used. @middy/core imports
// `ReadableStream` at its top, for its response-streaming mode only (no function of ours streams), and
// loading Node's web streams cost a business function 1 to 3 ms of CPU at start. CommonJS on purpose: a
// getter per name keeps the load lazy through esbuild's ES-module interop, which copies each name as a
// getter too. The names are Node's 17, the same in its Web Streams documentation from Node 20 to 25
// (https://nodejs.org/api/webstreams.html); the test compares them with the running Node's.

const NAMES = [
  "ReadableStream",
  "ReadableStreamDefaultReader",
  "ReadableStreamBYOBReader",
  "ReadableStreamBYOBRequest",
  "ReadableByteStreamController",
  "ReadableStreamDefaultController",
  "TransformStream",
  "TransformStreamDefaultController",
  "WritableStream",
  "WritableStreamDefaultWriter",
  "WritableStreamDefaultController",
  "ByteLengthQueuingStrategy",
  "CountQueuingStrategy",
  "TextEncoderStream",
  "TextDecoderStream",
  "CompressionStream",
  "DecompressionStream",
];

// Not `require("node:stream/web")`: inside a bundle the alias would hand this module back to itself.
// `process.getBuiltinModule` (Node 20.16 and 22.3 on) is no import, so no bundler rewrites it.
for (const name of NAMES) {
  Object.defineProperty(exports, name, {
    enumerable: true,
    get: () => process.getBuiltinModule("node:stream/web")[name],
  });
}
