/**
 * `@skein/service`: decorate a class, get a networked, typed, traced
 * microservice over ZeroMQ (no broker). See the README for a walk-through.
 */
import "reflect-metadata";

export { RpcError, RpcStatus, type RpcStatusCode, ServiceSetupError, ServiceSetupErrorCode } from "./errors.js";
export { defineEvent, defineQueue, type EventDescriptor, type QueueDescriptor } from "./descriptors.js";
export type { ConsumeOptions, RpcOptions, ServiceOptions } from "./metadata.js";
export { Service } from "./decorators/service.js";
export { Method, Rpc } from "./decorators/rpc.js";
export { Subscribe } from "./decorators/subscribe.js";
export { Consume } from "./decorators/consume.js";
export { Ctx, Deadline, Metadata, Payload, Signal, UserId } from "./decorators/params.js";
export { UseInterceptors } from "./decorators/use-interceptors.js";
export { InjectClient, InjectPublisher, InjectQueue } from "./decorators/inject.js";
export { APP, clientToken, PUBLISHER, queueToken } from "./tokens.js";
export { composeInterceptors, type Interceptor, type Invocation, type ServiceCallContext } from "./interceptor.js";
export {
  type BoundHandler,
  type ExploredConsumer,
  type ExploredRpc,
  type ExploredService,
  type ExploredSubscription,
  exploreService,
  type ServiceClass,
} from "./explorer.js";
export { RpcDispatcher, type RpcDispatcherOptions, type TransportContext } from "./rpc-dispatcher.js";
export {
  type ClientCallOptions,
  type ClientMethodOptions,
  type ClientOf,
  type ClientOptions,
  createClient,
  type RequestTransport,
  type TransportCall,
  type TransportRequestOptions,
} from "./client.js";
export { type RpcSpanTemplate, type SpanStart, Telemetry, type TelemetryOptions, type TraceHeader, MESSAGING_SYSTEM, RPC_SYSTEM } from "./telemetry.js";
export { formatTraceparent, parseTraceparent } from "./trace-context.js";
export {
  type DescribeReply,
  type DescribeRequest,
  HealthService,
  type MethodInfo,
  type PingReply,
  type PingRequest,
  type ServiceInfo,
} from "./health.js";
export { App, type AppListening, type AppOptions, type AppState, type AppStatus, createApp } from "./app.js";
export { type ProbeHttpOptions, ProbeServer, type ProbeState } from "./probe-server.js";
export { type AppEndpoints, applyEnvironment, envName, readProbeEnvironment, type SocketConfig } from "./config.js";
export { connect, type ConnectOptions, ServiceConnection } from "./connection.js";
export { EventPublisher, type PublishOptions } from "./event-publisher.js";
export { QueueProducer, type PushOptions } from "./queue-producer.js";
export { Actor, type ActorClass, type ActorOptions, type SupervisionOptions, type SupervisionStrategy, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAILBOX_CAPACITY } from "./actor/actor-decorator.js";
export { ActorBase, type ActorRef, type HandlerName, type TimerOptions } from "./actor/actor-base.js";
export { ActorError, ActorErrorCode, type ActorErrorCodeValue } from "./actor/actor-error.js";
export type { ActorStorage, ReminderRecord, StoredState } from "./actor/actor-storage.js";
export { FileStorage, type FileStorageOptions } from "./actor/file-storage.js";
export { MemoryStorage } from "./actor/memory-storage.js";
export { type SqliteDatabase, type SqliteStatement, SqliteStorage, type SqliteStorageOptions } from "./actor/sqlite-storage.js";
export { ActorSystem, type ActorSystemEvents, type ActorSystemOptions, type ContractRef, type Member, ref } from "./actor/actor-system.js";
export type { DeactivationReason } from "./actor/activation.js";
export { DEFAULT_POINTS_PER_MEMBER, HashRing } from "./actor/hash-ring.js";
