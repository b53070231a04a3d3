/**
 * @skein/patterns: the zguide's reliability patterns on @skein/core, typed
 * and tested: reliable request-reply ({@link RpcClient}, {@link RpcServer}),
 * a pipeline with credits, acknowledgement and redelivery ({@link WorkQueue},
 * {@link Worker}) and pub-sub with typed topics ({@link TopicPublisher},
 * {@link TopicSubscriber}). Wire formats: docs/patterns.md.
 */
export { PatternError } from "./errors.js";
export { RpcClient, type RpcClientOptions, type RequestOptions, type RpcCall } from "./rpc-client.js";
export { DeadlineSweep, type Expiring } from "./deadline-sweep.js";
export { RpcServer, type RpcServerOptions, type SecurityOptions, type RequestContext, type RequestHandler } from "./rpc-server.js";
export { TopicPublisher, type TopicPublisherOptions } from "./topic-publisher.js";
export { TopicSubscriber, type TopicSubscriberOptions, type TopicHandler, type DropReport } from "./topic-subscriber.js";
export { WorkQueue, type WorkQueueOptions, type WorkQueueStats } from "./work-queue.js";
export { Worker, type WorkerOptions, type WorkHandler } from "./worker.js";
export { Broker, type BrokerOptions, type BrokerStats } from "./broker.js";
export { BrokerWorker, type BrokerWorkerOptions, type ServiceHandler } from "./broker-worker.js";
export { SnapshotPublisher, type SnapshotPublisherOptions } from "./snapshot-publisher.js";
export { SnapshotSubscriber, type SnapshotSubscriberOptions, type UpdateHandler, type UpdateInfo, type LossReport } from "./snapshot-subscriber.js";
export { Forwarder, type ForwarderOptions, type ForwarderSide } from "./forwarder.js";
export { parseDnsEndpoint, isDnsEndpoint, type DnsEndpoint } from "./discovery/dns-endpoint.js";
export { EndpointSet, diffEndpoints, type ResolveOptions, type EndpointChange } from "./discovery/endpoint-set.js";
export { SocketEndpoints } from "./discovery/socket-endpoints.js";
export type { DnsOptions, SrvTarget } from "./discovery/dns-lookup.js";
export { ActorThread, ACTOR_TERM, ACTOR_READY, type ActorFunction, type ActorThreadOptions } from "./actor-thread.js";
export { ActorPool, type ActorPoolOptions, type PoolHandler, type PoolFrame } from "./actor-pool.js";
