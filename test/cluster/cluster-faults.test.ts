// Bad input and faults end `cluster up` with a clear message and leave no
// process behind. Each case uses its own throwaway cluster dir, so the
// shared cluster other tests use is never touched.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { BuildError, ensureBuilt } from "../../runtime/cluster/build.ts";
import type { BuildSpec } from "../../runtime/cluster/components.ts";
import { GoToolchainMissingError } from "../../runtime/cluster/go-toolchain.ts";
import {
  ComponentStartError,
  PortInUseError,
  clusterDown,
  clusterStatus,
  clusterUp,
} from "../../runtime/cluster/local-cluster.ts";
import { useLocalCluster } from "../fixtures/local-cluster.ts";
import { processesMentioning } from "../fixtures/processes.ts";

const made: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), `loadgen-${prefix}-`));
  made.push(dir);
  return dir;
};


async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

test.before(async () => {
  // The binaries are built (or found in the cache) by the shared fixture.
  await useLocalCluster();
});

test.after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

test("cluster up on an apiserver port that is in use fails naming the port, and starts nothing", async () => {
  const dir = tempDir("port");
  const blocker: Server = createServer();
  await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
  const port = (blocker.address() as { port: number }).port;
  try {
    const err = await rejection(clusterUp({ dir, port }));
    assert.instance(err, PortInUseError);
    assert.match(err.message, String(port));
    assert.match(err.message, "kube-apiserver");
    assert.is((await clusterStatus({ dir })).state, "stopped");
    assert.equal(processesMentioning(dir), []);
  } finally {
    blocker.close();
    await clusterDown({ dir });
  }
});

test("a component that exits during start-up fails cluster up with its name and log tail, and no process is left", async () => {
  const dir = tempDir("crash-on-start");
  try {
    const err = await rejection(clusterUp({ dir, extraArgs: { "kube-apiserver": ["--no-such-flag=1"] } }));
    assert.instance(err, ComponentStartError);
    assert.is((err as ComponentStartError).component, "kube-apiserver");
    assert.match(err.message, "kube-apiserver exited during start-up");
    assert.match(err.message, "unknown flag: --no-such-flag");
    assert.equal(processesMentioning(dir), [], "etcd, started before the apiserver, was stopped too");
    assert.is((await clusterStatus({ dir })).state, "stopped");
  } finally {
    await clusterDown({ dir });
  }
});

test("interrupting cluster up (Ctrl-C) stops the components it had started", async () => {
  const dir = tempDir("interrupted");
  const cli = fileURLToPath(new URL("./loadgen-cluster-cli.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", cli, "up"], {
    env: { ...process.env, LOADGEN_CLUSTER_DIR: dir },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk;
      if (/kube-apiserver v[\d.]+ ready/.test(stderr)) resolve();
    });
    exited.then(() => reject(new Error(`cluster up ended before the apiserver was ready:\n${stderr}`)));
  });
  child.kill("SIGINT");
  assert.is(await exited, 130);
  assert.match(stderr, "cluster up interrupted (SIGINT)");
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(processesMentioning(dir), [], "etcd and kube-apiserver were stopped");
  assert.is((await clusterStatus({ dir })).state, "stopped");
  await clusterDown({ dir });
});

/** A wrapper module that does not compile, built into a throwaway cache. */
function brokenSpec(): { spec: BuildSpec; cache: string } {
  const root = tempDir("broken-build");
  const moduleDir = join(root, "module");
  mkdirSync(moduleDir);
  writeFileSync(join(moduleDir, "go.mod"), "module example.invalid/broken\n\ngo 1.22\n");
  writeFileSync(join(moduleDir, "main.go"), "package main\n\nfunc main() { undefinedFunction() }\n");
  const spec: BuildSpec = {
    component: "broken-component", version: "v0.0.1", moduleDir, packages: ["."], binary: "broken", links: [], ldflags: "", expect: "seconds",
  };
  return { spec, cache: join(root, "cache") };
}

async function withEnv<T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

test("a failed build names the component and shows the tail of the Go output, and caches nothing", async () => {
  const { spec, cache } = brokenSpec();
  const lines: string[] = [];
  const err = await withEnv({ LOADGEN_CACHE_DIR: cache }, () => rejection(ensureBuilt(spec, (l) => lines.push(l))));
  assert.instance(err, BuildError);
  assert.match(err.message, "building broken-component failed");
  assert.match(err.message, "undefined: undefinedFunction");
  assert.ok(lines.some((l) => l.startsWith("building broken-component v0.0.1")), "the build announced itself");
  assert.not.ok(existsSync(join(cache, "bin", "broken-component-v0.0.1")), "nothing half-built is cached");
});

test("a missing Go toolchain is reported as such, with how to fix it", async () => {
  const { spec, cache } = brokenSpec();
  const err = await withEnv({ LOADGEN_CACHE_DIR: cache, LOADGEN_GO: "/nonexistent/go/bin/go" }, () => rejection(ensureBuilt(spec, () => {})));
  assert.instance(err, GoToolchainMissingError);
  assert.match(err.message, "Go toolchain not found");
  assert.match(err.message, "LOADGEN_GO");
});

test.run();
