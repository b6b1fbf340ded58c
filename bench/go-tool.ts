// The Go load tester of bench/http-bench.ts, built from the wrapper module bench/tools (go.mod + go.sum pin it and
// every dependency) with the machine's Go toolchain, as controlplane/ builds the cluster's binaries, and cached at
// <cache>/bench-tools/<tool>-<version>/ (<cache>: $LOADGEN_CACHE_DIR or ~/.cache/loadgen). A cached build is reused
// while its stamp matches a hash of the module's go.mod and go.sum; a build goes to a temporary file renamed into
// place when complete.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { findGo } from "../runtime/cluster/go-toolchain.ts";
import { cacheDir } from "../runtime/cluster/paths.ts";

const MODULE_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "tools");

/** A tool the wrapper module builds: its package (a `tool` line of bench/tools/go.mod) and pinned version. */
export interface GoTool {
  readonly name: string;
  readonly pkg: string;
  readonly version: string;
}

export const BOMBARDIER: GoTool = { name: "bombardier", pkg: "github.com/codesenberg/bombardier", version: "v1.2.6" };

/** The tool's binary, or why there is none: `skipped` (no Go toolchain) or `failed` (the build did not succeed). */
export type Built = { readonly path: string } | { readonly skipped: string } | { readonly failed: string };

function sourceHash(): string {
  const h = createHash("sha256");
  for (const f of ["go.mod", "go.sum"]) h.update(f).update("\0").update(readFileSync(path.join(MODULE_DIR, f))).update("\0");
  return h.digest("hex").slice(0, 16);
}

/** Builds `tool` unless a build of the current module is cached (the first build downloads modules: a minute or so). */
export function buildGoTool(tool: GoTool, log: (line: string) => void): Built {
  let go: string;
  try {
    go = findGo();
  } catch (e) {
    return { skipped: (e as Error).message.split(". ")[0]! };
  }
  const dir = path.join(cacheDir(), "bench-tools", `${tool.name}-${tool.version}`);
  const binary = path.join(dir, tool.name);
  const stampFile = path.join(dir, "build.json");
  const source = sourceHash();
  try {
    if (existsSync(binary) && (JSON.parse(readFileSync(stampFile, "utf8")) as { source?: string }).source === source) return { path: binary };
  } catch {
    // no stamp, or not ours: build again
  }
  mkdirSync(dir, { recursive: true });
  const tmp = `${binary}.tmp-${process.pid}`;
  log(`  building ${tool.name} ${tool.version} from bench/tools with ${go} (once; cached in ${dir})`);
  const started = Date.now();
  const r = spawnSync(go, ["build", "-trimpath", "-ldflags", "-s -w", "-o", tmp, tool.pkg], {
    cwd: MODULE_DIR,
    env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: [process.env.GOFLAGS, "-mod=readonly"].filter(Boolean).join(" ") },
    encoding: "utf8",
    timeout: 15 * 60_000,
  });
  if (r.error !== undefined || r.status !== 0) {
    rmSync(tmp, { force: true });
    const out = `${r.stderr ?? ""}${r.stdout ?? ""}`.trim().split("\n").slice(-3).join(" | ");
    return { failed: `go build ${tool.pkg} in bench/tools ${r.error ? `did not run (${r.error.message})` : `exited with code ${r.status}`}: ${out || "no output"}` };
  }
  renameSync(tmp, binary);
  writeFileSync(stampFile, JSON.stringify({ tool: tool.name, version: tool.version, source, builtAt: new Date().toISOString(), seconds: (Date.now() - started) / 1000 }, null, 2) + "\n");
  return { path: binary };
}
