// What a new user hits first: `loadgen run` on a machine with no kubeconfig, where the local cluster must be built
// and started before the test can start. That work happens before any scenario code runs, so no scenario timeout has
// to cover it; and an interrupted build leaves nothing half-built in the cache.
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { findGo } from "../../runtime/cluster/go-toolchain.ts";
import { clusterDown } from "../../runtime/cluster/local-cluster.ts";
import { cacheDir } from "../../runtime/cluster/paths.ts";
import { useLocalCluster } from "../fixtures/local-cluster.ts";
import { processesMentioning } from "../fixtures/processes.ts";
import { repoRoot } from "../fixtures/run-scenario.ts";

const scratch = mkdtempSync(join(tmpdir(), "loadgen-first-run-"));
/** A home with no ~/.kube: as on a fresh machine, the local cluster is the only cluster there is. */
const home = join(scratch, "home");
const clusterDir = join(scratch, "cluster");
mkdirSync(home);

interface Cli {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The caches of this machine, which a new home would otherwise hide: the suite's binaries are built once, and a test
 * that needs a fresh cache says so with LOADGEN_CACHE_DIR.
 */
const [goCache, goModCache] = execFileSync(findGo(), ["env", "GOCACHE", "GOMODCACHE"], { encoding: "utf8" }).trim().split("\n");
const caches = { LOADGEN_CACHE_DIR: cacheDir(), GOCACHE: goCache!, GOMODCACHE: goModCache! };

/** `loadgen …` as a new user runs it: no KUBECONFIG, a home without ~/.kube. `onStderr` may act on what it prints. */
function loadgen(args: string[], env: Record<string, string>, onStderr?: (text: string, pid: number) => void): Promise<Cli> {
  const childEnv: Record<string, string> = { ...(process.env as Record<string, string>), HOME: home, ...caches, ...env };
  delete childEnv.KUBECONFIG;
  const child = spawn(process.execPath, [join(repoRoot, "bin/loadgen.js"), ...args], { env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c) => (stdout += c));
  child.stderr.on("data", (c) => {
    stderr += c;
    onStderr?.(stderr, child.pid!);
  });
  return new Promise((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
}

/** A `go` that answers `go env GOVERSION` and then "builds" forever: a build that is always in progress. */
function slowGo(): string {
  const go = join(scratch, "slow-go");
  writeFileSync(go, `#!${process.execPath}\nif (process.argv[2] === "env") console.log("go1.26.8");\nelse setTimeout(() => {}, 600_000);\n`);
  chmodSync(go, 0o755);
  return go;
}

function leftovers(cache: string): string[] {
  const bin = join(cache, "bin");
  return existsSync(bin) ? readdirSync(bin).filter((n) => n.includes(".tmp-")) : [];
}

const listsPodsInSetup = `
import * as k8s from "loadgen/k8s";
import { check } from "loadgen";
export const options = { setupTimeout: "1s", iterations: 1, thresholds: { checks: ["rate==1"] } };
export async function setup() {
  const pods = await k8s.list("pods", { namespace: "kube-system", decode: true });
  return { listed: Array.isArray(pods.items) };
}
export default function (data: { listed: boolean }) {
  check(data, { "setup listed pods": (d) => d.listed });
}
`;

test.before(async () => {
  await useLocalCluster(); // the binaries are built (or cached) once for the whole suite
});

test.after(async () => {
  await clusterDown({ dir: clusterDir });
  rmSync(scratch, { recursive: true, force: true });
});

test("with no cluster running, a scenario whose setup() lists pods passes with setupTimeout 1s: the cluster starts first", async () => {
  const script = join(scratch, "setup-lists-pods.ts");
  writeFileSync(script, listsPodsInSetup);
  const r = await loadgen(["run", "--quiet", script], { LOADGEN_CLUSTER_DIR: clusterDir });
  assert.is(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stderr, "starting the local loadgen cluster");
  assert.match(r.stdout, /✓ checks\.+: 100\.00% ✓ 1/);
  assert.ok(processesMentioning(clusterDir).length > 0, "the local cluster it started keeps running for the next run");
});

test("Ctrl-C while `cluster build` builds stops the build and leaves no half-built entry in the cache", async () => {
  const cache = join(scratch, "cache-build");
  let sent = false;
  let sawTempDir = false;
  const r = await loadgen(["cluster", "build"], { LOADGEN_CACHE_DIR: cache, LOADGEN_GO: slowGo() }, (text, pid) => {
    if (!sent && text.includes("building etcd")) {
      sent = true;
      // Signal once the build is writing into its temp dir: the case that used to leave it behind.
      const poll = setInterval(() => {
        if (leftovers(cache).length === 0) return;
        sawTempDir = true;
        clearInterval(poll);
        process.kill(pid, "SIGINT");
      }, 20);
    }
  });
  assert.ok(sent && sawTempDir, r.stderr);
  assert.is(r.code, 130, r.stderr);
  assert.match(r.stderr, "building etcd was interrupted (SIGINT)");
  assert.equal(leftovers(cache), []);
  assert.equal(processesMentioning(join(scratch, "slow-go")), [], "the build's processes are gone");
});

test("SIGTERM to `loadgen run` while it builds the local cluster exits as interrupted (105), with nothing half-built left", async () => {
  const cache = join(scratch, "cache-run");
  const script = join(scratch, "setup-lists-pods.ts");
  writeFileSync(script, listsPodsInSetup);
  let sent = false;
  const r = await loadgen(["run", "--quiet", script], { LOADGEN_CACHE_DIR: cache, LOADGEN_GO: slowGo(), LOADGEN_CLUSTER_DIR: join(scratch, "cluster-never") }, (text, pid) => {
    if (!sent && text.includes("building etcd")) {
      sent = true;
      process.kill(pid, "SIGTERM");
    }
  });
  assert.ok(sent, r.stderr);
  assert.is(r.code, 105, r.stderr);
  assert.match(r.stderr, "interrupted before it started");
  assert.equal(leftovers(cache), []);
});

test.run();
