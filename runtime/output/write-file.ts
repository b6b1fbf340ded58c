import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

/** Writes `content` to `file`, creating its folder first (a summary path in a folder that does not exist yet). */
export function writeFileMakingDirs(file: string, content: string): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, content);
}
