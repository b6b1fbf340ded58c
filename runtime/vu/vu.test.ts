// A VU driven through its methods, as the engine drives it: what host functions read in its VuContext at each step.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { VuContext } from "../../stdlib/host-module.ts";
import { StackMapper } from "../bundle/source-map.ts";
import { MetricsEngine } from "../metrics/engine.ts";
import { MetricRegistry } from "../metrics/metric.ts";
import { TagRegistry } from "../metrics/tags.ts";
import { buildHostTable } from "./host-table.ts";
import { VirtualUser, type VuBlueprint } from "./vu.ts";
import { WasmPool } from "./wasm-pool.ts";

const SCENARIO = `
const seen = __loadgen.sync("test.seen");
const group = __loadgen.sync("test.group");
const wait = __loadgen.async("test.wait");
const echo = __loadgen.sync("test.echo");
const echoLater = __loadgen.async("test.echoLater");
seen("init");
export default async function () {
  seen("start");
  group("::g");
  seen("in group");
  await wait();
  seen("after wait");
}
export function setup() { seen("setup"); return { ok: true }; }
export async function hang() { await wait(true); }
export async function ropes() {
  // Concatenations this long are QuickJS ropes, a string type of their own.
  const s = "a".repeat(3000) + "é".repeat(3000);
  return [echo(s) === s, (await echoLater(s)) === s];
}
export async function strings(texts) {
  const back = [];
  for (const t of texts) back.push([echo(t) === t, (await echoLater(t)) === t]);
  return back;
}
`;

interface Seen {
  label: string;
  id: number;
  phase: string;
  scenario: string | undefined;
  iterationInScenario: number;
  scenarioIterationInTest: number;
  groupPath: string;
  tags: string;
}

async function newVu(id: number) {
  const seen: Seen[] = [];
  /** What test.echo received. */
  const echoed: unknown[] = [];
  const signals: AbortSignal[] = [];
  const tags = new TagRegistry();
  const hostFunctions = buildHostTable([
    {
      sync: {
        "test.seen"(vu: VuContext, label) {
          const { id, phase, scenario, iterationInScenario, scenarioIterationInTest, groupPath } = vu;
          seen.push({ label: String(label), id, phase, scenario, iterationInScenario, scenarioIterationInTest, groupPath, tags: vu.tags.key });
          return undefined;
        },
        "test.echo"(_vu: VuContext, text) {
          echoed.push(text);
          return text;
        },
        "test.group"(vu: VuContext, path) {
          vu.setGroupPath(String(path));
          return undefined;
        },
      },
      async: {
        "test.echoLater": (_vu: VuContext, text) => Promise.resolve(text),
        // With `hang`, resolves only when the VU's signal aborts (an interrupt).
        "test.wait"(vu: VuContext, hang) {
          if (!hang) return Promise.resolve(undefined);
          const signal = vu.signal;
          signals.push(signal);
          return new Promise((resolve) => signal.addEventListener("abort", () => resolve(undefined)));
        },
      },
    },
  ]);
  const bp: VuBlueprint = {
    code: SCENARIO,
    moduleName: "scenario.bundle.js",
    mapper: new StackMapper('{"version":3,"sources":[],"names":[],"mappings":""}', "scenario.bundle.js", "/"),
    envJson: "{}",
    hostFunctions,
    engine: new MetricsEngine(new MetricRegistry(), tags),
    limits: { blockingTimeoutMs: 10_000, memoryLimitBytes: 64 * 1024 * 1024, maxStackBytes: 320 * 1024 },
  };
  const created = await VirtualUser.create(id, await new WasmPool({ vusPerModule: 1, moduleMemoryMiB: 128 }).moduleForNextVu(), bp, tags.empty);
  if ("error" in created) throw new Error(created.error.message);
  return { vu: created.vu, seen, signals, tags, echoed };
}

test("host functions see the phase, scenario, iteration numbers and group the VU is in", async () => {
  const { vu, seen, tags } = await newVu(3);
  assert.equal(seen.map((s) => [s.label, s.id, s.phase, s.scenario]), [["init", 3, "init", undefined]]);
  seen.length = 0;

  const a = tags.empty.with("scenario", "a");
  vu.enterScenario("a", a);
  assert.equal(await vu.iterate("default", 7), { ok: true, json: undefined });
  assert.equal(await vu.iterate("default", 9), { ok: true, json: undefined });
  assert.equal(
    seen.map((s) => [s.label, s.phase, s.scenario, s.iterationInScenario, s.scenarioIterationInTest, s.groupPath, s.tags]),
    [
      ["start", "iteration", "a", 0, 7, "", "scenario=a"],
      ["in group", "iteration", "a", 0, 7, "::g", "group=::g,scenario=a"],
      ["after wait", "iteration", "a", 0, 7, "::g", "group=::g,scenario=a"],
      // every iteration starts at the root group
      ["start", "iteration", "a", 1, 9, "", "scenario=a"],
      ["in group", "iteration", "a", 1, 9, "::g", "group=::g,scenario=a"],
      ["after wait", "iteration", "a", 1, 9, "::g", "group=::g,scenario=a"],
    ],
  );

  seen.length = 0;
  vu.enterScenario("a", a);
  await vu.iterate("default", 10);
  vu.enterScenario("b", tags.empty.with("scenario", "b"));
  await vu.iterate("default", 0);
  const starts = seen.filter((s) => s.label === "start").map((s) => [s.scenario, s.iterationInScenario]);
  assert.equal(starts, [["a", 2], ["b", 0]], "re-entering a scenario keeps counting; a new one counts from 0");
});

test("setup runs in the setup phase and returns its result as JSON", async () => {
  const { vu, seen } = await newVu(0);
  const outcome = await vu.callForResult("setup", undefined, "setup");
  assert.equal(outcome, { ok: true, json: '{"ok":true}' });
  assert.equal(seen.at(-1)?.phase, "setup");
});

test("an interrupt ends the iteration, aborts the signal host calls were given, and breaks the VU", async () => {
  const { vu, signals, tags } = await newVu(1);
  vu.enterScenario("a", tags.empty.with("scenario", "a"));
  const running = vu.iterate("hang", 0);
  await new Promise((resolve) => setImmediate(resolve));
  assert.is(signals.length, 1);
  assert.is(signals[0]!.aborted, false);
  vu.interrupt("stop now");
  const outcome = await running;
  assert.is(outcome.ok, false);
  assert.is(!outcome.ok && outcome.error.kind, "interrupted");
  assert.is(signals[0]!.aborted, true);
  assert.is((signals[0]!.reason as Error).message, "stop now");
  assert.is(vu.broken, true);
});

test("strings cross into and out of a VU whole: NUL characters, lone surrogates, long and non-ASCII text", async () => {
  const { vu, echoed } = await newVu(2);
  const texts = ["plain", "a\u0000b", "\u0000", "é\u0000€\u0000", "x\ud800y", "\udfff", "😀 ok", "z".repeat(100_000) + "\u0000end", ""];
  const outcome = await vu.callForResult("strings", JSON.stringify(texts), "setup");
  assert.equal(outcome, { ok: true, json: JSON.stringify(texts.map(() => [true, true])) }, "each text came back equal, from a sync and an async host call");
  assert.equal(echoed, texts, "the host received each text exactly");
});

test("a long concatenation (a QuickJS rope) crosses as the string it is, not as quoted JSON text", async () => {
  const { vu, echoed } = await newVu(4);
  const outcome = await vu.callForResult("ropes", undefined, "setup");
  assert.equal(outcome, { ok: true, json: "[true,true]" });
  assert.equal(echoed, ["a".repeat(3000) + "é".repeat(3000)], "the host received the text itself");
});

test.run();
