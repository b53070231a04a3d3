/**
 * Reads the deployment kit (deploy/) for its tests: the Kubernetes objects, the compose file
 * (anchors merged), the Dockerfile's stages, and what the app makes of the probe and drain
 * variables the kit sets.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse, parseAllDocuments } from "yaml";

const deploy = (file: string): string => fileURLToPath(new URL(`../deploy/${file}`, import.meta.url));

/** A container of a pod template, as far as the tests read it. */
export interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  volumeMounts?: { name: string; mountPath: string }[];
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  lifecycle?: { preStop?: { sleep?: { seconds: number } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { allowPrivilegeEscalation?: boolean };
}

/** A pod spec, as far as the tests read it. */
export interface PodSpec {
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  containers: Container[];
  volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[];
}

/** One Kubernetes object of the manifests (loosely typed: the schemas check the rest). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  // Each kind has its own spec; the tests read the fields of the kinds they look at.
  spec: any;
}

/** A Deployment or StatefulSet of the manifests: a long-running workload. */
export interface KubeDeployment extends KubeObject {
  spec: {
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
    replicas?: number;
    serviceName?: string;
  };
}

/** A compose service, as far as the tests read it. */
export interface ComposeService {
  image?: string;
  command?: string[];
  user?: string;
  environment?: Record<string, string>;
  volumes?: string[];
  stop_grace_period?: string;
  healthcheck?: { test: string[] };
}

/** One stage of the Dockerfile: its FROM line and the instructions after it (continuations joined). */
export interface DockerStage {
  from: string;
  instructions: string[];
}

function readKube(): KubeObject[] {
  const files = (parse(readFileSync(deploy("k8s/kustomization.yaml"), "utf8")) as { resources: string[] }).resources;
  return files.flatMap((file) => parseAllDocuments(readFileSync(deploy(`k8s/${file}`), "utf8"), { uniqueKeys: true }).map((document) => {
    if (document.errors.length > 0) throw new Error(`${file}: ${document.errors.map(String).join("; ")}`);
    return document.toJS() as KubeObject;
  }));
}

function readDockerfile(): { stages: DockerStage[] } {
  const lines = readFileSync(deploy("Dockerfile"), "utf8").replace(/\\\n/g, " ").split("\n")
    .map((line) => line.trim()).filter((line) => line.length > 0 && !line.startsWith("#"));
  const stages: DockerStage[] = [];
  for (const line of lines) {
    if (/^FROM\s/i.test(line)) stages.push({ from: line, instructions: [] });
    else stages.at(-1)?.instructions.push(line);
  }
  return { stages };
}

/** `read()` once, then a deep copy of it on each call (tests may change what they get). */
function once<T>(read: () => T): () => T {
  let value: T | undefined;
  return () => structuredClone((value ??= read()));
}

const kube = once(readKube);

/** The kit: each accessor reads its files once per test file. */
export const kit = {
  kube,
  /** The long-running workloads: Deployments and StatefulSets. */
  deployments: (): KubeDeployment[] => kube().filter((object): object is KubeDeployment => object.kind === "Deployment" || object.kind === "StatefulSet"),
  /** Every pod template (Deployments, StatefulSets and Jobs), with the name of its owner. */
  pods: (): { name: string; spec: PodSpec }[] => kube()
    .filter((object) => object.kind === "Deployment" || object.kind === "StatefulSet" || object.kind === "Job")
    .map((object) => ({ name: `${object.kind}/${object.metadata.name}`, spec: object.spec.template.spec as PodSpec })),
  // Merge keys (`<<: *service`) resolved; extension fields (x-*) stay, as the schema allows them.
  compose: once(() => parse(readFileSync(deploy("compose.yaml"), "utf8"), { merge: true }) as { services: Record<string, ComposeService> }),
  dockerfile: once(readDockerfile),
  /** Variables the app reads outside the endpoints table: the probe server's port and the resolver's. */
  appVariables: new Set(["SKEIN_PROBE_PORT", "SKEIN_DNS_REFRESH_INTERVAL", "SKEIN_DNS_SERVERS"]),
};

/** A container's environment as a record. */
export function envOf(container: Container): Record<string, string> {
  return Object.fromEntries((container.env ?? []).map((variable) => [variable.name, variable.value ?? ""]));
}

/**
 * A container's environment as the pod with `podName` gets it: `fieldRef: metadata.name` is the pod's
 * name and `$(NAME)` expands an earlier variable, as the kubelet does.
 */
export function podEnv(container: Container, podName: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    if (variable.valueFrom?.fieldRef?.fieldPath === "metadata.name") env[variable.name] = podName;
    else env[variable.name] = (variable.value ?? "").replace(/\$\(([A-Z0-9_]+)\)/g, (whole, name: string) => env[name] ?? whole);
  }
  return env;
}

/** Seconds the container pauses in preStop (0 without one). */
export function preStopSleep(container: Container): number {
  return container.lifecycle?.preStop?.sleep?.seconds ?? 0;
}

/** Where the probe server of a process started with `env` listens (every address), if it runs one. */
export function probePort(env: Readonly<Record<string, string>>): number | undefined {
  const value = env["SKEIN_PROBE_PORT"];
  return value === undefined ? undefined : Number(value);
}

/** How often a process started with `env` resolves its peers' names again, ms (the resolver's default: 30 s). */
export function refreshInterval(env: Readonly<Record<string, string>>): number {
  const value = env["SKEIN_DNS_REFRESH_INTERVAL"];
  return value === undefined ? 30_000 : Number(value);
}
