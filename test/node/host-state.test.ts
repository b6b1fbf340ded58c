// The machine-wide record of the real nodes, with a host-state dir of its own: the first node records the sysctls
// as the machine had them, a node that stops while another runs changes nothing, and the last one puts them back.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { registerNode, unregisterNode } from "../../runtime/cluster/host-state.ts";

const scratch = mkdtempSync(join(tmpdir(), "loadgen-host-state-"));
const SYSCTL = "/proc/sys/kernel/panic";
/** Read when the tests start, not when the file loads: a real node started by an earlier suite may have changed it since. */
let original = "";
/** Two clusters' dirs, each with the node dir a running node has. */
const [a, b] = ["a", "b"].map((n) => {
  const d = join(scratch, n);
  mkdirSync(join(d, "node"), { recursive: true });
  return d;
}) as [string, string];

test.before(() => {
  original = readFileSync(SYSCTL, "utf8").trim();
  process.env.LOADGEN_HOST_STATE_DIR = join(scratch, "host");
});

test.after(() => {
  delete process.env.LOADGEN_HOST_STATE_DIR;
  writeFileSync(SYSCTL, original);
  rmSync(scratch, { recursive: true, force: true });
});

test("the first node records the sysctls; the last one to stop restores them, and not before", async () => {
  await registerNode(a, () => {});
  // What a kubelet does at start (kernel.panic=10 there); the value only has to differ.
  const changed = String(Number(original) + 7);
  writeFileSync(SYSCTL, changed);
  await registerNode(b, () => {});

  assert.equal(await unregisterNode(a, () => {}), [], "b still runs: nothing restored");
  assert.is(readFileSync(SYSCTL, "utf8").trim(), changed);

  const restored = await unregisterNode(b, () => {});
  assert.ok(restored.includes(`kernel.panic=${original}`), restored.join(", "));
  assert.is(readFileSync(SYSCTL, "utf8").trim(), original);
  assert.equal(await unregisterNode(b, () => {}), [], "a second unregister is a no-op");
});

test("a node whose cluster dir vanished without stopping does not keep the machine from being restored", async () => {
  await registerNode(a, () => {});
  writeFileSync(SYSCTL, String(Number(original) + 3));
  await registerNode(b, () => {});
  rmSync(join(b, "node"), { recursive: true }); // b's cluster was deleted by hand
  const restored = await unregisterNode(a, () => {});
  assert.ok(restored.includes(`kernel.panic=${original}`), restored.join(", "));
  mkdirSync(join(b, "node"));
});

test.run();
