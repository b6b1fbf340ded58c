// The pinned components of the local control plane and how each is built.
// Versions: Kubernetes 1.36 is the release kwok v0.8.0 is built against
// (client-go v0.36), and etcd 3.6 is what kubeadm pairs with 1.34–1.36.
import { join } from "node:path";
import { controlplaneDir } from "./paths.ts";

export const KUBERNETES_VERSION = "v1.36.3";
export const ETCD_VERSION = "v3.6.16";
export const KWOK_VERSION = "v0.8.0";

/** The Kubernetes commands in the multi-call `kubernetes` binary, dispatched on argv[0]. */
export const KUBERNETES_COMMANDS = ["kube-apiserver", "kube-controller-manager", "kube-scheduler"] as const;

export interface BuildSpec {
  /** Cache key and the name in messages: "etcd", "kubernetes", "kwok". */
  component: string;
  version: string;
  /** Go wrapper module directory in the repo. */
  moduleDir: string;
  /** Package to build, relative to the module ("." or an import path). */
  pkg: string;
  /** Output binary name inside the cache dir. */
  binary: string;
  /** Extra names symlinked to the binary (multi-call dispatch on argv[0]). */
  links: readonly string[];
  ldflags: string;
  /** What a user waits for: shown when the build starts. */
  expect: string;
}

function kubernetesLdflags(version: string): string {
  // The same variables hack/lib/version.sh sets, so `--version` and
  // /version report the real release instead of v0.0.0-master.
  const [major, minor] = version.replace(/^v/, "").split(".");
  const vars: Record<string, string> = {
    gitVersion: version,
    gitMajor: major!,
    gitMinor: minor!,
    gitTreeState: "clean",
    buildDate: "1970-01-01T00:00:00Z",
  };
  const flags: string[] = [];
  for (const pkg of ["k8s.io/component-base/version", "k8s.io/client-go/pkg/version"]) {
    for (const [k, v] of Object.entries(vars)) flags.push(`-X ${pkg}.${k}=${v}`);
  }
  return flags.join(" ");
}

export const BUILDS: readonly BuildSpec[] = [
  {
    component: "etcd",
    version: ETCD_VERSION,
    moduleDir: join(controlplaneDir, "etcd"),
    pkg: ".",
    binary: "etcd",
    links: [],
    ldflags: "", // etcd's version is a constant in go.etcd.io/etcd/api/v3/version
    expect: "about 1 minute",
  },
  {
    component: "kwok",
    version: KWOK_VERSION,
    moduleDir: join(controlplaneDir, "kwok"),
    pkg: "sigs.k8s.io/kwok/cmd/kwok",
    binary: "kwok",
    links: [],
    ldflags: `-X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION.replace(/^v/, "")}`,
    expect: "about 2 minutes",
  },
  {
    component: "kubernetes",
    version: KUBERNETES_VERSION,
    moduleDir: join(controlplaneDir, "k8s"),
    pkg: ".",
    binary: "kubernetes",
    links: KUBERNETES_COMMANDS,
    ldflags: kubernetesLdflags(KUBERNETES_VERSION),
    expect: "5–15 minutes on 2 cores",
  },
];
