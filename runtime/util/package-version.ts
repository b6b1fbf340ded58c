import { readFileSync } from "node:fs";
import { packagePath } from "./package-path.ts";

let version: string | undefined;

/** This loadgen's version, from its package.json (what archives and images are stamped with). */
export function loadgenVersion(): string {
  version ??= (JSON.parse(readFileSync(packagePath("package.json"), "utf8")) as { version: string }).version;
  return version;
}
