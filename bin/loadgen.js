#!/usr/bin/env node
// The CLI runs from dist/, built by `npm run build` (run automatically by `npm ci`/`npm install` via "prepare").
import { existsSync } from "node:fs";

const entry = new URL("../dist/loadgen.mjs", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("loadgen: dist/loadgen.mjs is missing; run `npm run build` (or `npm ci`) in the loadgen folder first\n");
  process.exit(1);
}
const { main } = await import(entry.href);
await main(process.argv);
