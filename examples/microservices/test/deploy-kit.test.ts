/**
 * The deployment kit (deploy/): the Kubernetes manifests are valid objects of the Kubernetes API
 * (kubernetes-models' schemas, offline), the compose file is valid against the Compose
 * specification's JSON schema, and the kit keeps its promises: a non-root image with production
 * dependencies only, a grace period above the drain deadline, probes on what the app serves, and
 * only environment variables the app reads.
 */
import { GreeterService, OrdersService } from "@skein/example-codegen";
import { applyEnvironment } from "@skein/service";
import { Ajv } from "ajv";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Service as KubeService } from "kubernetes-models/v1/Service";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { Job } from "kubernetes-models/batch/v1/Job";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import type { Member } from "@skein/service";
import { DRAIN_TIMEOUT, ProcessOrderQueue } from "../src/contracts.js";
import { freePort } from "../src/free-port.js";
import { kit, type KubeObject, envOf, podEnv, preStopSleep, probePort, refreshInterval } from "./deploy-kit.js";

/** Time a process takes to close its sockets once drained (linger), ms: the grace period covers it too. */
const CLOSING = 2_000;

const deploy = (file: string): string => fileURLToPath(new URL(`../deploy/${file}`, import.meta.url));
const source = (file: string): string => readFileSync(fileURLToPath(new URL(`../src/${file}`, import.meta.url)), "utf8");

/** Kubernetes models by `apiVersion/kind`: each validates a plain object against the API's schema. */
const models: Record<string, new (data: never) => { validate(): void }> = {
  "v1/Namespace": Namespace,
  "v1/Service": KubeService,
  "v1/PersistentVolumeClaim": PersistentVolumeClaim,
  "apps/v1/Deployment": Deployment,
  "apps/v1/StatefulSet": StatefulSet,
  "batch/v1/Job": Job,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
};

function validateKube(object: KubeObject): void {
  const model = models[`${object.apiVersion}/${object.kind}`];
  if (model === undefined) throw new Error(`no schema for ${object.apiVersion}/${object.kind}`);
  new model(object as never).validate();
}

function validateCompose(): (data: unknown) => boolean {
  const schema = JSON.parse(readFileSync(deploy("schema/compose-spec.json"), "utf8")) as Record<string, unknown>;
  // The spec names draft-07 by an https URI Ajv does not know by that name; the schema is draft-07.
  delete schema["$schema"];
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(schema);
  return (data) => {
    const ok = validate(data);
    if (!ok) throw new Error(ajv.errorsText(validate.errors));
    return ok;
  };
}

/** What an app started from `dist/<name>.js` knows: the names its SKEIN_* variables are made of. */
const appNames = {
  queues: [ProcessOrderQueue.queue],
  workers: [ProcessOrderQueue.queue],
  clients: [GreeterService.name, OrdersService.name],
};

/** Whether the service layer's configuration reads `name` (setting it changes the endpoints). */
function serviceLayerReads(name: string): boolean {
  const without = applyEnvironment({}, {}, appNames);
  const withIt = applyEnvironment({}, { [name]: "tcp://192.0.2.1:1" }, appNames);
  return JSON.stringify(without) !== JSON.stringify(withIt);
}

/** Variables the template's own entry script reads (`process.env["NAME"]`), with contracts.ts's if it imports it. */
function scriptReads(script: string): Set<string> {
  const file = script.replace(/^dist\//, "").replace(/\.js$/, ".ts");
  const text = source(file) + (source(file).includes(`from "./contracts.js"`) ? source("contracts.ts") : "");
  return new Set([...text.matchAll(/process\.env\["([A-Z0-9_]+)"\]/g)].map((match) => match[1]!));
}

/** The names of a StatefulSet's pods: `<name>-0` up to its replicas. */
function ordinals(workload: { metadata: { name: string }; spec: { replicas?: number } }): string[] {
  return Array.from({ length: workload.spec.replicas ?? 1 }, (_, i) => `${workload.metadata.name}-${i}`);
}

describe("deployment kit: schemas", () => {
  test("every Kubernetes manifest is a valid object of the Kubernetes API", () => {
    const objects = kit.kube();
    expect(objects.map((object) => `${object.kind}/${object.metadata.name}`).sort()).toEqual([
      "Deployment/greeter", "Deployment/orders", "Deployment/worker", "Job/client", "Namespace/skein-demo",
      "PersistentVolumeClaim/accounts-state",
      "PodDisruptionBudget/accounts", "PodDisruptionBudget/greeter", "PodDisruptionBudget/orders", "PodDisruptionBudget/worker",
      "Service/accounts", "Service/greeter", "Service/orders", "Service/worker", "StatefulSet/accounts",
    ]);
    for (const object of objects) expect(() => validateKube(object), `${object.kind}/${object.metadata.name}`).not.toThrow();
  });

  test("the Kubernetes validation rejects a manifest with a wrongly typed field", () => {
    const deployment = structuredClone(kit.kube().find((object) => object.kind === "Deployment")!);
    (deployment.spec.template.spec.containers[0]!.ports![0] as { containerPort: unknown }).containerPort = "5701";
    expect(() => validateKube(deployment)).toThrow(/containerPort must be integer/);
  });

  test("kustomization.yaml lists every manifest of the folder", () => {
    const kustomization = parse(readFileSync(deploy("k8s/kustomization.yaml"), "utf8")) as { resources: string[] };
    const files = readdirSync(deploy("k8s")).filter((file) => file.endsWith(".yaml") && file !== "kustomization.yaml");
    expect([...kustomization.resources].sort()).toEqual(files.sort());
  });

  test("the compose file is valid against the Compose specification's JSON schema", () => {
    const validate = validateCompose();
    expect(validate(kit.compose())).toBe(true);
    const broken = structuredClone(kit.compose()) as { services: Record<string, Record<string, unknown>> };
    broken.services["greeter"]!["restart"] = ["always"];
    expect(() => validate(broken)).toThrow(/restart/);
  });

  test("the compose file parses as YAML without duplicate keys and its anchors resolve", () => {
    const documents = parseAllDocuments(readFileSync(deploy("compose.yaml"), "utf8"), { merge: true, uniqueKeys: true });
    expect(documents).toHaveLength(1);
    expect(documents[0]!.errors).toEqual([]);
  });
});

describe("deployment kit: what it promises", () => {
  test("the image is built in stages and runs as a non-root user with production dependencies only", () => {
    const stages = kit.dockerfile().stages;
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const runtime = stages.at(-1)!;
    const user = runtime.instructions.filter((line) => /^USER\s/i.test(line)).at(-1);
    expect(user, "the runtime stage sets USER").toBeDefined();
    expect(user!.split(/\s+/)[1]).not.toMatch(/^(root|0)(:.*)?$/);
    // Nothing runs in the runtime stage: it copies the production bundle, built by `pnpm deploy --prod`.
    expect(runtime.instructions.filter((line) => /^RUN\s/i.test(line))).toEqual([]);
    const copies = runtime.instructions.filter((line) => /^COPY\s/i.test(line));
    expect(copies).toEqual([expect.stringMatching(/^COPY --from=build \/app \/app$/)]);
    expect(stages[0]!.instructions.some((line) => /pnpm .*deploy --prod \/app$/.test(line))).toBe(true);
    // The pnpm that builds the image is the workspace's own.
    const packageManager = (JSON.parse(readFileSync(fileURLToPath(new URL("../../../package.json", import.meta.url)), "utf8")) as { packageManager: string }).packageManager;
    expect(stages[0]!.instructions.join("\n")).toContain(`npm install --global ${packageManager}`);
  });

  test("every pod and compose service runs as non-root, without privilege escalation", () => {
    for (const pod of kit.pods()) {
      expect(pod.spec.securityContext?.runAsNonRoot, pod.name).toBe(true);
      expect(pod.spec.securityContext?.runAsUser, pod.name).not.toBe(0);
      for (const container of pod.spec.containers) expect(container.securityContext?.allowPrivilegeEscalation, pod.name).toBe(false);
    }
    for (const [name, service] of Object.entries(kit.compose().services)) {
      expect(service.user ?? "node", name).not.toMatch(/^(root|0)(:.*)?$/);
    }
  });

  test("the termination grace period is above the preStop pause plus the template's drain deadline and closing", () => {
    for (const deployment of kit.deployments()) {
      const pod = deployment.spec.template.spec;
      const container = pod.containers[0]!;
      const graceMs = (pod.terminationGracePeriodSeconds ?? 30) * 1000;
      expect(graceMs, deployment.metadata.name).toBeGreaterThan(preStopSleep(container) * 1000 + DRAIN_TIMEOUT + CLOSING);
    }
    for (const [name, service] of Object.entries(kit.compose().services)) {
      if (service.command?.[0] === "dist/client.js") continue;
      expect(parseDuration(service.stop_grace_period ?? "10s"), name).toBeGreaterThan(DRAIN_TIMEOUT + CLOSING);
    }
  });

  test("a pod leaves DNS for longer than its callers take to resolve its name again, before it gets SIGTERM", () => {
    // Deployments: their callers find them through DNS (the StatefulSet's callers use its static member list).
    for (const deployment of kit.deployments().filter((workload) => workload.kind === "Deployment")) {
      const name = deployment.metadata.name;
      // Long-running callers (the client Job lives for seconds: it resolves once).
      const callers = kit.pods().filter((pod) => pod.name.startsWith("Deployment/") && Object.values(envOf(pod.spec.containers[0]!)).some((value) => value.includes(`tcp+dns://${name}.`)));
      if (name !== "worker") expect(callers.length, `${name} has callers`).toBeGreaterThan(0);
      const slowest = Math.max(0, ...callers.map((pod) => refreshInterval(envOf(pod.spec.containers[0]!))));
      expect(preStopSleep(deployment.spec.template.spec.containers[0]!) * 1000, `${name}: preStop vs its callers' refresh`).toBeGreaterThan(slowest);
    }
  });

  test("probes ask the app's probe server for /readyz and /livez on the port it listens on", () => {
    for (const deployment of kit.deployments()) {
      const container = deployment.spec.template.spec.containers[0]!;
      const name = deployment.metadata.name;
      const probes = probePort(envOf(container));
      expect(probes, `${name} sets the probe server's port`).toBeDefined();
      for (const [probe, path] of [[container.readinessProbe, "/readyz"], [container.livenessProbe, "/livez"]] as const) {
        expect(probe?.httpGet?.path, name).toBe(path);
        const port = container.ports?.find((p) => p.name === probe!.httpGet!.port || p.containerPort === probe!.httpGet!.port);
        expect(port?.containerPort, `${name}: the ${path} probe names a port of the container`).toBe(probes);
      }
    }
    for (const [name, service] of Object.entries(kit.compose().services)) {
      if (service.healthcheck === undefined) continue;
      const probes = probePort(service.environment ?? {});
      expect(service.healthcheck.test.join(" "), name).toContain(`http://127.0.0.1:${probes}/readyz`);
    }
  });

  test("every container port is one the process binds, and every Service port targets one", () => {
    for (const deployment of kit.deployments()) {
      const container = deployment.spec.template.spec.containers[0]!;
      const env = envOf(container);
      const bound = new Set<number>([probePort(env)!]);
      for (const [variable, value] of Object.entries(env)) {
        if (!/_BIND$/.test(variable) || !value.startsWith("tcp://")) continue;
        for (const endpoint of value.split(",")) bound.add(Number(new URL(endpoint).port));
      }
      // An actor members process binds the port of each member it runs (in every pod of a StatefulSet).
      for (const pod of deployment.kind === "StatefulSet" ? ordinals(deployment) : []) {
        const own = podEnv(container, pod);
        if (own["SKEIN_ACTOR_LOCAL"] === undefined) continue;
        const members = JSON.parse(own["SKEIN_ACTOR_MEMBERS"]!) as Member[];
        for (const id of own["SKEIN_ACTOR_LOCAL"].split(",")) bound.add(Number(new URL(members.find((member) => member.id === id)!.endpoint!).port));
      }
      const ports = container.ports ?? [];
      expect(new Set(ports.map((port) => port.containerPort)), deployment.metadata.name).toEqual(bound);
      const service = kit.kube().find((object) => object.kind === "Service" && object.metadata.name === deployment.metadata.name)!;
      expect(service.spec.clusterIP, `${deployment.metadata.name}: headless`).toBe("None");
      expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
      for (const port of service.spec.ports) expect(ports.map((p) => p.name), `${deployment.metadata.name}:${port.name}`).toContain(port.targetPort);
      const budget = kit.kube().find((object) => object.kind === "PodDisruptionBudget" && object.metadata.name === deployment.metadata.name);
      expect(budget?.spec.selector.matchLabels, `${deployment.metadata.name} has a PodDisruptionBudget`).toEqual(deployment.spec.selector.matchLabels);
      expect(deployment.spec.template.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
    }
  });

  test("every pod asks for CPU and memory and has a memory limit", () => {
    for (const pod of kit.pods()) {
      for (const container of pod.spec.containers) {
        expect(container.resources?.requests?.["cpu"], pod.name).toBeDefined();
        expect(container.resources?.requests?.["memory"], pod.name).toBeDefined();
        expect(container.resources?.limits?.["memory"], pod.name).toBeDefined();
      }
    }
  });

  test("every environment variable the kit sets is one the process reads", () => {
    const settings: { where: string; script: string; env: Record<string, string> }[] = [
      ...kit.pods().map((pod) => ({ where: pod.name, script: pod.spec.containers[0]!.args![0]!, env: envOf(pod.spec.containers[0]!) })),
      ...Object.entries(kit.compose().services).map(([name, service]) => ({ where: `compose ${name}`, script: service.command![0]!, env: service.environment ?? {} })),
    ];
    for (const { where, script, env } of settings) {
      const own = scriptReads(script);
      for (const variable of Object.keys(env)) {
        const read = own.has(variable) || serviceLayerReads(variable) || kit.appVariables.has(variable);
        expect(read, `${where}: ${variable} is read by ${script} or the service layer`).toBe(true);
      }
    }
  });

  test("a peer is named by the DNS name of its Service with every address (tcp+dns://), on a port that Service serves", () => {
    const services = new Map(kit.kube().filter((object) => object.kind === "Service").map((object) => [object.metadata.name, object]));
    let named = 0;
    for (const pod of kit.pods()) {
      for (const value of Object.values(envOf(pod.spec.containers[0]!))) {
        for (const endpoint of value.split(",").filter((part) => /^tcp(\+dns)?:\/\/(?!0\.0\.0\.0)/.test(part))) {
          const match = /^tcp\+dns:\/\/([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local:(\d+)$/.exec(endpoint);
          expect(match, `${pod.name}: ${endpoint} names a Service by its cluster DNS name, every address`).not.toBeNull();
          const [, name, namespace, port] = match!;
          const service = services.get(name!);
          expect(service?.metadata.namespace, `${pod.name}: ${endpoint}`).toBe(namespace);
          expect((service!.spec.ports as { port: number }[]).map((p) => p.port), `${pod.name}: ${endpoint}`).toContain(Number(port));
          named++;
        }
      }
    }
    const compose = kit.compose().services;
    for (const [where, service] of Object.entries(compose)) {
      for (const value of Object.values(service.environment ?? {})) {
        for (const endpoint of value.split(",").filter((part) => /^tcp(\+dns)?:\/\/(?!0\.0\.0\.0)/.test(part))) {
          const match = /^tcp\+dns:\/\/([a-z0-9-]+):(\d+)$/.exec(endpoint);
          expect(match, `compose ${where}: ${endpoint} names a compose service, every address`).not.toBeNull();
          const target = compose[match![1]!];
          const bound = Object.entries(target?.environment ?? {}).filter(([variable]) => variable.endsWith("_BIND")).map(([, bind]) => bind);
          expect(bound, `compose ${where}: ${endpoint}`).toContain(`tcp://0.0.0.0:${match![2]}`);
          named++;
        }
      }
    }
    expect(named).toBe(12);
  });

  test("the check of variables catches one the app does not read", () => {
    expect(serviceLayerReads("SKEIN_QUEUE_ORDERS_PROCESS_BIND")).toBe(true);
    expect(serviceLayerReads("SKEIN_QUEUE_ORDER_PROCESS_BIND")).toBe(false);
    expect(scriptReads("dist/greeter.js").has("GREETING")).toBe(true);
  });

  test("compose and Kubernetes run the same image, and each process of the template", () => {
    const images = new Set([...kit.pods().map((pod) => pod.spec.containers[0]!.image), ...Object.values(kit.compose().services).map((s) => s.image)]);
    expect(images.size).toBe(1);
    const expected = new Set(["dist/greeter.js", "dist/orders.js", "dist/worker.js", "dist/accounts.js", "dist/client.js"]);
    expect(new Set(kit.pods().map((pod) => pod.spec.containers[0]!.args?.[0]))).toEqual(expected);
    expect(new Set(Object.values(kit.compose().services).map((service) => service.command?.[0]))).toEqual(expected);
    // Every process the template's launcher starts is in the kit.
    for (const script of source("start.ts").matchAll(/launch\("([a-z-]+\.js)"/g)) expect(expected, script[1]).toContain(`dist/${script[1]}`);
  });

  test("the account actors' members are the StatefulSet's pods by their stable DNS names, one list for every caller", () => {
    const statefulSet = kit.deployments().find((workload) => workload.kind === "StatefulSet" && workload.metadata.name === "accounts")!;
    const container = statefulSet.spec.template.spec.containers[0]!;
    const service = kit.kube().find((object) => object.kind === "Service" && object.metadata.name === statefulSet.spec.serviceName)!;
    expect(service.spec.clusterIP, "a headless Service names each pod").toBe("None");
    expect(service.spec.publishNotReadyAddresses, "members reach each other before they are ready").toBe(true);
    const list = envOf(container)["SKEIN_ACTOR_MEMBERS"]!;
    const members = JSON.parse(list) as Member[];
    const ids: string[] = [];
    for (const pod of ordinals(statefulSet)) {
      const env = podEnv(container, pod);
      expect(env["SKEIN_ACTOR_BIND_HOST"], pod).toBe("0.0.0.0");
      for (const id of env["SKEIN_ACTOR_LOCAL"]!.split(",")) {
        expect(id.startsWith(`${pod}/`), `${pod} runs ${id}`).toBe(true);
        const member = members.find((m) => m.id === id);
        expect(member, `${id} is listed`).toBeDefined();
        expect(new URL(member!.endpoint!).hostname, id).toBe(`${pod}.${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`);
        ids.push(id);
      }
    }
    expect(ids.sort(), "every listed member runs in a pod").toEqual(members.map((m) => m.id).sort());
    // Callers: the processes whose script reads the list (orders calls CustomerAccount, the client too).
    const callers = kit.pods().filter((pod) => pod.name !== "StatefulSet/accounts");
    for (const name of ["Deployment/orders", "Job/client"]) {
      const env = envOf(callers.find((pod) => pod.name === name)!.spec.containers[0]!);
      expect(env["SKEIN_ACTOR_MEMBERS"], `${name} calls the same members`).toBe(list);
    }
    // The state every member shares: a ReadWriteMany claim mounted where SKEIN_ACTOR_STORAGE points.
    const pod = statefulSet.spec.template.spec;
    const storage = envOf(container)["SKEIN_ACTOR_STORAGE"]!;
    const mount = container.volumeMounts?.find((m) => storage.startsWith(m.mountPath));
    const claimName = pod.volumes?.find((volume) => volume.name === mount?.name)?.persistentVolumeClaim?.claimName;
    const claim = kit.kube().find((object) => object.kind === "PersistentVolumeClaim" && object.metadata.name === claimName);
    expect(claim?.spec.accessModes, `${storage} is on a volume every pod mounts read-write`).toContain("ReadWriteMany");
  });

  test("compose runs each account actors member once, on its listed address, with the state volume shared", () => {
    const services = kit.compose().services;
    const callers = ["orders", "client"].map((name) => services[name]!.environment!["SKEIN_ACTOR_MEMBERS"]);
    const list = callers[0]!;
    expect(callers, "every caller has the same list").toEqual([list, list]);
    const members = JSON.parse(list) as Member[];
    const hosts = Object.entries(services).filter(([, service]) => service.command?.[0] === "dist/accounts.js");
    expect(hosts.length).toBeGreaterThan(1);
    const volumes = new Set<string>();
    const ids: string[] = [];
    for (const [name, service] of hosts) {
      const env = service.environment!;
      expect(env["SKEIN_ACTOR_MEMBERS"], name).toBe(list);
      expect(env["SKEIN_ACTOR_BIND_HOST"], name).toBe("0.0.0.0");
      for (const id of env["SKEIN_ACTOR_LOCAL"]!.split(",")) {
        expect(new URL(members.find((m) => m.id === id)!.endpoint!).hostname, `${name} runs ${id}`).toBe(name);
        ids.push(id);
      }
      const volume = service.volumes?.map((entry) => entry.split(":")).find(([, path]) => env["SKEIN_ACTOR_STORAGE"]!.startsWith(path!));
      expect(volume, `${name}: ${env["SKEIN_ACTOR_STORAGE"]} is on a volume`).toBeDefined();
      volumes.add(volume![0]!);
    }
    expect(ids.sort()).toEqual(members.map((m) => m.id).sort());
    expect(volumes.size, "one volume for every member").toBe(1);
  });
});

/** `15s`, `1m30s`, `500ms` → ms (the compose duration format). */
function parseDuration(value: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const [, amount, unit] of value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(amount) * units[unit!]!;
  return total;
}

describe("deployment kit: each Deployment's process, started with its manifest's environment", () => {
  test("the test starts every long-running workload of the kit", () => {
    expect(kit.deployments().map((workload) => workload.metadata.name).sort()).toEqual(["accounts", "greeter", "orders", "worker"]);
  });

  for (const workload of ["greeter", "orders", "worker", "accounts"]) {
    test(`${workload}: /readyz and /livez answer 200 on the port its probes ask, and SIGTERM drains and exits 0`, async () => {
      const manifest = kit.deployments().find((deployment) => deployment.metadata.name === workload)!;
      const container = manifest.spec.template.spec.containers[0]!;
      // A StatefulSet's first pod (its name in the environment), a Deployment's pod.
      const env = manifest.kind === "StatefulSet" ? podEnv(container, ordinals(manifest)[0]!) : envOf(container);
      const name = env["SKEIN_NAME"] || workload;
      // Every port the manifest binds moved to a free loopback port, so that tests run side by side.
      const moved: Record<string, string> = {};
      for (const [variable, value] of Object.entries(env)) {
        if (variable.endsWith("_BIND")) moved[variable] = `tcp://127.0.0.1:${await freePort()}`;
      }
      // Actor members: each listed endpoint on a free loopback port, the state in a fresh folder.
      let state: string | undefined;
      if (env["SKEIN_ACTOR_LOCAL"] !== undefined) {
        const listed = JSON.parse(env["SKEIN_ACTOR_MEMBERS"]!) as Member[];
        const members: Member[] = [];
        for (const member of listed) members.push({ id: member.id, endpoint: `tcp://127.0.0.1:${await freePort()}` });
        moved["SKEIN_ACTOR_MEMBERS"] = JSON.stringify(members);
        state = mkdtempSync(join(tmpdir(), "skein-kit-actors-"));
        moved["SKEIN_ACTOR_STORAGE"] = state;
      }
      const probe = await freePort();
      const child = spawn(process.execPath, [fileURLToPath(new URL(`../${container.args![0]!}`, import.meta.url))], {
        env: { ...process.env, ...env, ...moved, SKEIN_PROBE_PORT: String(probe) },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      try {
        await new Promise<void>((resolve, reject) => {
          const check = (): void => {
            if (output.includes(`[${name}] ready`)) resolve();
          };
          child.stdout.on("data", check);
          child.once("exit", (code) => reject(new Error(`${name} exited (${code}) before it was ready:\n${output}`)));
          check();
        });
        for (const check of [container.readinessProbe!, container.livenessProbe!]) {
          const response = await fetch(`http://127.0.0.1:${probe}${check.httpGet!.path}`);
          expect(response.status, `${name} ${check.httpGet!.path}`).toBe(200);
        }
      } finally {
        child.kill("SIGTERM");
      }
      expect(await exited, output).toBe(0);
      expect(output).toContain(`[${name}] stopped`);
      if (state !== undefined) rmSync(state, { recursive: true, force: true });
    });
  }
});
