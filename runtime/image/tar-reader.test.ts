// The tar reader reads what the tar writer writes (long names as PAX records included) and what GNU tar writes
// (its long-name entries, and PAX), and refuses damaged input rather than reading past it.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readTar, TarFormatError } from "./tar-reader.ts";
import { TarWriter } from "./tar-writer.ts";

const longPath = `files/${"deep/".repeat(30)}data.json`;

function written(): Buffer {
  const chunks: Buffer[] = [];
  const w = new TarWriter((c) => chunks.push(Buffer.from(c)));
  w.add({ type: "dir", path: "files", mode: 0o755 });
  w.add({ type: "file", path: "a.txt", mode: 0o644, data: Buffer.from("alpha") });
  w.add({ type: "file", path: longPath, mode: 0o644, data: Buffer.from("{}") });
  w.add({ type: "file", path: "empty", mode: 0o644, data: Buffer.alloc(0) });
  w.finish();
  return Buffer.concat(chunks);
}

test("what the writer writes reads back: every entry, long names from their PAX record, empty files", () => {
  const entries = readTar(written());
  assert.equal(entries.map((e) => [e.path, e.type, e.data.toString()]), [
    ["files", "dir", ""],
    ["a.txt", "file", "alpha"],
    [longPath, "file", "{}"],
    ["empty", "file", ""],
  ]);
});

for (const format of ["gnu", "pax", "ustar"] as const) {
  test(`GNU tar's --format=${format} reads back, names longer than 100 bytes included`, () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "loadgen-tar-"));
    const rel = format === "ustar" ? `${"d".repeat(90)}/${"e".repeat(60)}.txt` : `${"deep/".repeat(30)}x.txt`;
    mkdirSync(path.join(dir, path.dirname(rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), "payload");
    const out = path.join(dir, "t.tar");
    execFileSync("tar", [`--format=${format}`, "-cf", out, "-C", dir, rel]);
    const files = readTar(readFileSync(out)).filter((e) => e.type === "file");
    assert.equal(files.map((e) => [e.path, e.data.toString()]), [[rel, "payload"]]);
  });
}

test("a flipped header byte, a truncated archive and a missing end are refused, not read past", () => {
  const good = written();
  const flipped = Buffer.from(good);
  flipped[600] ^= 0xff;
  assert.throws(() => readTar(flipped), (e: unknown) => e instanceof TarFormatError && /checksum/.test((e as Error).message));
  assert.throws(() => readTar(good.subarray(0, 1500)), (e: unknown) => e instanceof TarFormatError);
  const noEnd = good.subarray(0, good.length - 1024);
  assert.throws(() => readTar(noEnd), (e: unknown) => e instanceof TarFormatError && /end-of-archive/.test((e as Error).message));
});

test.run();
