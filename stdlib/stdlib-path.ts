import { packagePath } from "../runtime/util/package-path.ts";

/** The absolute path of a file under stdlib/ (from the package root: the CLI runs from dist/, tests from the sources). */
export function stdlibPath(relative: string): string {
  return packagePath("stdlib", relative);
}
