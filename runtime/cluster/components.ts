// The pinned components of the local control plane and how each is built.
// Versions: Kubernetes 1.36 is the release kwok v0.8.0 is built against
// (client-go v0.36), and etcd 3.6 is what kubeadm pairs with 1.34–1.36.
import { join } from "node:path";
import { controlplaneDir } from "./paths.ts";

export const KUBERNETES_VERSION = "v1.36.3";
export const ETCD_VERSION = "v3.6.16";
export const KWOK_VERSION = "v0.8.0";
/** The real node's container runtime: Kubernetes 1.36 needs containerd 2 (Debian ships 1.6). */
export const CONTAINERD_VERSION = "v2.2.9";
/** loadgen's own sandbox program (controlplane/pause); bump it when main.go changes meaning. */
export const PAUSE_VERSION = "v1.0";

/** The Kubernetes commands in the multi-call `kubernetes` binary, dispatched on argv[0]. */
export const KUBERNETES_COMMANDS = ["kube-apiserver", "kube-controller-manager", "kube-scheduler"] as const;

export interface BuildSpec {
  /** Cache key and the name in messages: "etcd", "kubernetes", "kwok". */
  component: string;
  version: string;
  /** Go wrapper module directory in the repo. */
  moduleDir: string;
  /** Packages to build, relative to the module ("." or import paths); several go into one dir, each binary named after its package. */
  packages: readonly string[];
  /** Output binary name inside the cache dir (the first package's): its presence marks a complete build. */
  binary: string;
  /** Go build tags, comma-separated ("" for none). */
  tags?: string;
  /** Part of the real node: built only for a cluster that runs one. */
  realNode?: boolean;
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
    packages: ["."],
    binary: "etcd",
    links: [],
    ldflags: "", // etcd's version is a constant in go.etcd.io/etcd/api/v3/version
    expect: "about 1 minute",
  },
  {
    component: "kwok",
    version: KWOK_VERSION,
    moduleDir: join(controlplaneDir, "kwok"),
    packages: ["sigs.k8s.io/kwok/cmd/kwok"],
    binary: "kwok",
    links: [],
    ldflags: `-X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION.replace(/^v/, "")}`,
    expect: "about 2 minutes",
  },
  {
    component: "kubernetes",
    version: KUBERNETES_VERSION,
    moduleDir: join(controlplaneDir, "k8s"),
    packages: ["."],
    binary: "kubernetes",
    links: KUBERNETES_COMMANDS,
    ldflags: kubernetesLdflags(KUBERNETES_VERSION),
    expect: "5–15 minutes on 2 cores",
  },
  {
    component: "containerd",
    version: CONTAINERD_VERSION,
    moduleDir: join(controlplaneDir, "containerd"),
    packages: [
      "github.com/containerd/containerd/v2/cmd/containerd",
      "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2",
      "github.com/containerd/containerd/v2/cmd/ctr",
      // The one CNI plugin the node needs: without a CNI config the runtime reports NetworkReady=false and the node
      // never becomes Ready, even though every pod on it uses the host's network.
      "github.com/containernetworking/plugins/plugins/main/loopback",
    ],
    binary: "containerd",
    links: [],
    // The storage drivers that need cgo or kernel features the node does not use.
    tags: "no_btrfs,no_devmapper,no_zfs",
    ldflags: `-X github.com/containerd/containerd/v2/version.Version=${CONTAINERD_VERSION}`,
    expect: "about 2 minutes",
    realNode: true,
  },
  {
    component: "kubelet",
    version: KUBERNETES_VERSION,
    moduleDir: join(controlplaneDir, "kubelet"),
    packages: ["."],
    binary: "kubelet",
    links: [],
    ldflags: kubernetesLdflags(KUBERNETES_VERSION),
    // Most of its packages are compiled already for the kubernetes binary (same module versions, same Go cache).
    expect: "about 2 minutes after the kubernetes build (7 minutes on its own)",
    realNode: true,
  },
  {
    component: "pause",
    version: PAUSE_VERSION,
    moduleDir: join(controlplaneDir, "pause"),
    packages: ["."],
    binary: "pause",
    links: [],
    ldflags: "",
    expect: "seconds",
    realNode: true,
  },
];
