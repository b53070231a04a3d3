/**
 * A service of large items for the memory bounds of streams: `Download`
 * streams `count` blobs of `size` bytes, `Upload` reads a stream of blobs.
 * Its descriptor is written here as skein-codegen writes one (a protobufjs
 * JSON descriptor and the codecs it gives), with a `bytes` field, which the
 * example protos lack.
 */
import "reflect-metadata";
import { type MessageCodec, type ServiceDescriptor, TypeRegistry } from "@skein/codec";
import { Rpc, Service } from "../src/index.js";
import { deferred } from "./fixtures.js";

export interface Blob {
  data: Uint8Array;
  count: number;
  size: number;
}

const registry = TypeRegistry.fromJSON({
  nested: {
    test: {
      nested: {
        Blob: { fields: { data: { type: "bytes", id: 1 }, count: { type: "uint32", id: 2 }, size: { type: "uint32", id: 3 } } },
      },
    },
  },
}, { longs: "bigint" });
const BlobCodec: MessageCodec<Blob> = registry.codec<Blob>("test.Blob");

const method = <C extends boolean, S extends boolean>(name: string, clientStreaming: C, serverStreaming: S) => ({
  name, requestType: "test.Blob", responseType: "test.Blob", requestCodec: BlobCodec, responseCodec: BlobCodec, clientStreaming, serverStreaming,
}) as const;

export const BlobsService = {
  name: "test.Blobs",
  methods: {
    download: method("Download", false, true),
    upload: method("Upload", true, false),
  },
} as const satisfies ServiceDescriptor;

/** What the blob handlers did. */
export const blobProbe = {
  produced: 0,
  read: 0,
  /** Awaited before each blob `upload` reads. */
  beforeRead: null as (() => Promise<void>) | null,
  finished: deferred<void>(),
};

@Service(BlobsService)
export class Blobs {
  @Rpc()
  async *download(request: Blob) {
    try {
      for (let i = 0; i < request.count; i++) {
        blobProbe.produced++;
        // A fresh buffer per item: what the producer holds is what it made and has not sent.
        yield { data: Buffer.alloc(request.size, i & 0xff) };
      }
    } finally {
      blobProbe.finished.resolve();
    }
  }

  @Rpc()
  async upload(requests: AsyncIterable<Blob>) {
    let bytes = 0;
    for await (const request of requests) {
      await blobProbe.beforeRead?.();
      blobProbe.read++;
      bytes += request.data.length;
    }
    return { size: bytes };
  }
}
