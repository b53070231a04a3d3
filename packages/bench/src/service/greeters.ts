/**
 * Picks a framework's greeter at run time: each is imported only by the
 * worker that runs it, so one framework's start-up never weighs on another's
 * process or RSS.
 */
import type { GreeterClient, GreeterServer, ServiceImpl } from "./contract.js";

export async function serveGreeter(impl: ServiceImpl): Promise<GreeterServer> {
  switch (impl) {
    case "skein":
      return (await import("./skein-greeter.js")).serveSkein();
    case "grpc-js":
      return (await import("./grpc-greeter.js")).serveGrpc();
    case "nestjs":
      return (await import("./nest-greeter.js")).serveNest();
    case "moleculer":
      return (await import("./moleculer-greeter.js")).serveMoleculer();
  }
}

export async function connectGreeter(impl: ServiceImpl, endpoint: string): Promise<GreeterClient> {
  switch (impl) {
    case "skein":
      return (await import("./skein-greeter.js")).connectSkein(endpoint);
    case "grpc-js":
      return (await import("./grpc-greeter.js")).connectGrpc(endpoint);
    case "nestjs":
      return (await import("./nest-greeter.js")).connectNest(endpoint);
    case "moleculer":
      return (await import("./moleculer-greeter.js")).connectMoleculer(endpoint);
  }
}
