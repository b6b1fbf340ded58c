import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;

/**
 * The absolute path of a file shipped with the package (stdlib/, controlplane/manifests/). Found from the package
 * root rather than from this file, because the CLI runs from a bundle in dist/ while tests run the sources: both see
 * the same package folders.
 */
export function packagePath(...relative: string[]): string {
  root ??= findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));
  return path.join(root, ...relative);
}

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "loadgen") return dir;
    if (path.dirname(dir) === dir) throw new Error(`loadgen: cannot find the package root above ${from}`);
  }
}
