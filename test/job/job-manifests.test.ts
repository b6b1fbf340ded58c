// `loadgen job --dry-run`: the manifests a job applies, as a user checks them before applying (or hands them to
// kustomize): NimbusGuard's labels plus the run's, the deadline and ttl, the init container that waits for the
// service, a CronJob that never overlaps, the archive in ConfigMaps (split when large), access to the cluster only
// for scenarios that talk to it, the real node's placement on the local cluster.
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { parseArchive, readArchiveFile } from "../../runtime/archive/read-archive.ts";
import yaml from "js-yaml";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fixture, repoRoot, runCli, tempScenario } from "../fixtures/run-scenario.ts";

type Obj = Record<string, any>;

async function dryRun(...args: string[]): Promise<Obj[]> {
  const r = await runCli(["job", "--dry-run", "-o", "json", "-n", "perf", "--placement", "cluster", ...args]);
  assert.is(r.exitCode, 0, r.stderr);
  return (JSON.parse(r.stdout) as { items: Obj[] }).items;
}
const byKind = (docs: Obj[], kind: string) => docs.filter((d) => d.kind === kind);
const pod = (docs: Obj[]) => (byKind(docs, "Job")[0] ?? byKind(docs, "CronJob")[0]!.spec.jobTemplate).spec.template.spec;

const script = fixture("archive-me.ts");

test("every object carries load-test, component=load-generator, the job's name and the run's labels; the Job runs once, within its deadline, and goes after its ttl", async () => {
  const docs = await dryRun(script, "--name", "heavy-1", "-e", "TEST=heavy", "--deadline", "10m", "--ttl", "2h");
  assert.equal(docs.map((d) => d.kind), ["ServiceAccount", "ConfigMap", "Job"]);
  for (const d of docs) {
    assert.equal(d.metadata.labels, {
      "load-test": "heavy",
      component: "load-generator",
      "loadgen.io/job": "heavy-1",
      "loadgen.io/run": "heavy-1",
      "loadgen.io/scenario": "test-fixtures-scenarios-archive-me.ts",
      "app.kubernetes.io/managed-by": "loadgen",
    }, d.kind);
    assert.is(d.metadata.namespace, "perf");
  }
  const job = byKind(docs, "Job")[0]!;
  assert.is(job.metadata.name, "heavy-1");
  assert.is(job.spec.backoffLimit, 0);
  assert.is(job.spec.activeDeadlineSeconds, 600);
  assert.is(job.spec.ttlSecondsAfterFinished, 7200);
  assert.is(job.spec.template.metadata.labels["load-test"], "heavy", "the pod is labelled too");
  const spec = pod(docs);
  assert.is(spec.restartPolicy, "Never");
  const runner = spec.containers[0];
  assert.is(runner.name, "loadgen");
  assert.is(runner.image, "loadgen.local/loadgen:0.1.0", "the local loadgen image by default");
  assert.is(runner.imagePullPolicy, "IfNotPresent");
  assert.equal(runner.args, ["run", "--no-color", "--summary-line", "--run-id", "heavy-1", "/archive/archive.tar.gz"]);
  assert.equal(runner.resources, { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "1Gi" } });
  assert.is(spec.initContainers, undefined, "no init container without --wait-for");
});

test("without --name the job gets loadgen-<scenario>-<random>, and its labels carry a new run id", async () => {
  const [a, b] = [await dryRun(script), await dryRun(script)];
  const name = (docs: Obj[]) => byKind(docs, "Job")[0]!.metadata.name as string;
  assert.match(name(a), /^loadgen-archive-me-[0-9a-f]{6}$/);
  assert.is.not(name(a), name(b));
  assert.match(byKind(a, "Job")[0]!.metadata.labels["loadgen.io/run"], /^\d{12}-[0-9a-f]{6}$/);
  assert.is(byKind(a, "Job")[0]!.metadata.labels["load-test"], name(a), "load-test is the name without -e TEST");
});

test("with --name the manifests are the same every time: multi-document YAML kustomize can take", async () => {
  const args = ["job", "--dry-run", "-n", "perf", "--placement", "cluster", script, "--name", "steady", "-e", "GREETING=x"];
  const [a, b] = [await runCli(args), await runCli(args)];
  assert.is(a.exitCode, 0, a.stderr);
  assert.is(a.stdout, b.stdout);
  const docs = yaml.loadAll(a.stdout) as Obj[];
  assert.equal(docs.map((d) => d.kind), ["ServiceAccount", "ConfigMap", "Job"]);
  assert.is(a.stdout.split("\n---\n").length, 3);
});

test("--wait-for adds an init container that polls the service's /health with loadgen wait-for, in the same image", async () => {
  const docs = await dryRun(script, "--name", "w", "--wait-for", "http://consumer:8000", "--deadline", "15m");
  const [init] = pod(docs).initContainers;
  assert.is(init.name, "wait-for");
  assert.is(init.image, pod(docs).containers[0].image);
  assert.equal(init.args, ["wait-for", "http://consumer:8000/health", "--timeout", "900s"]);
  const explicit = await dryRun(script, "--name", "w", "--wait-for", "http://consumer:8000/ready");
  assert.is(pod(explicit).initContainers[0].args[1], "http://consumer:8000/ready", "a URL with a path is polled as given");
});

test("the default deadline covers the scenario as planned, its setup and teardown timeouts, start-up, and the wait", async () => {
  // archive-me: shared-iterations, maxDuration 10m (+ gracefulStop 30s), setup/teardown timeouts 60s each, +2m.
  const plain = byKind(await dryRun(script, "--name", "d"), "Job")[0]!;
  assert.is(plain.spec.activeDeadlineSeconds, 900);
  const long = byKind(await dryRun(script, "--name", "d", "-d", "45m", "-u", "2"), "Job")[0]!;
  // 45m + gracefulStop 30s + 60s + 60s + 2m, rounded up to the minute.
  assert.is(long.spec.activeDeadlineSeconds, 45 * 60 + 60 + 120 + 120);
  const waiting = byKind(await dryRun(script, "--name", "d", "--wait-for", "http://x:1"), "Job")[0]!;
  assert.is(waiting.spec.activeDeadlineSeconds, 900 + 300);
});

test("--schedule makes a CronJob that never runs two at once, with the Job's spec as its template", async () => {
  const docs = await dryRun(script, "--name", "traffic", "--schedule", "*/5 * * * *", "--deadline", "2m");
  const cron = byKind(docs, "CronJob")[0]!;
  assert.ok(cron);
  assert.is(byKind(docs, "Job").length, 0);
  assert.is(cron.apiVersion, "batch/v1");
  assert.is(cron.spec.schedule, "*/5 * * * *");
  assert.is(cron.spec.concurrencyPolicy, "Forbid");
  assert.is(cron.spec.jobTemplate.spec.activeDeadlineSeconds, 120);
  assert.is(cron.spec.jobTemplate.spec.backoffLimit, 0);
  assert.is(cron.spec.jobTemplate.spec.template.metadata.labels["loadgen.io/job"], "traffic");
  const bad = await runCli(["job", "--dry-run", script, "--schedule", "every minute"]);
  assert.is(bad.exitCode, 1);
  assert.match(bad.stderr, "--schedule expects a cron schedule");
});

test("the ConfigMap holds the gzipped archive, immutable, which loadgen reads back as the scenario's", async () => {
  const docs = await dryRun(script, "--name", "cm", "-e", "GREETING=from-job");
  const [cm] = byKind(docs, "ConfigMap");
  assert.is(cm!.metadata.name, "cm-archive");
  assert.is(cm!.immutable, true);
  const archive = parseArchive(gunzipSync(Buffer.from(cm!.binaryData["archive.tar.gz"], "base64")));
  assert.is(archive.meta.input.source, "test/fixtures/scenarios/archive-me.ts");
  assert.equal(archive.meta.env, { GREETING: "from-job" });
  assert.equal([...archive.files.keys()], ["data/roles.csv", "data/users.json"]);
  assert.equal(pod(docs).volumes, [{ name: "archive", configMap: { name: "cm-archive", items: [{ key: "archive.tar.gz", path: "archive.tar.gz" }] } }]);
});

test("an archive over 900 KiB is split over ConfigMaps that fit the API server's 1 MiB limit, joined by an init container", async () => {
  const big = tempScenario(`const blob = open("blob.bin", "b");\nexport default function () { void blob; }\n`);
  writeFileSync(path.join(path.dirname(big), "blob.bin"), randomBytes(2_000_000));
  const docs = await dryRun(big, "--name", "big");
  const cms = byKind(docs, "ConfigMap");
  assert.equal(cms.map((c) => c.metadata.name), ["big-archive-0", "big-archive-1", "big-archive-2"]);
  for (const c of cms) {
    const bytes = Buffer.from(c.binaryData["archive.tar.gz.part"], "base64").length;
    assert.ok(bytes <= 900 * 1024, `${c.metadata.name} holds ${bytes} bytes`);
  }
  assert.equal(cms.map((c) => c.metadata.annotations["loadgen.io/archive-part"]), ["1/3", "2/3", "3/3"]);
  const spec = pod(docs);
  assert.is(spec.initContainers[0].name, "join-archive");
  assert.equal(spec.initContainers[0].command.slice(-4), ["/archive/archive.tar.gz", "/archive-parts/part-000", "/archive-parts/part-001", "/archive-parts/part-002"]);
  const joined = Buffer.concat(cms.map((c) => Buffer.from(c.binaryData["archive.tar.gz.part"], "base64")));
  const dir = mkdtempSync(path.join(os.tmpdir(), "loadgen-job-"));
  writeFileSync(path.join(dir, "a.tar.gz"), joined);
  assert.is(readArchiveFile(path.join(dir, "a.tar.gz"))!.files.get("blob.bin")!.length, 2_000_000, "the parts join into the archive");
});

test("a scenario that does not talk to the cluster gets no token; one that imports loadgen/k8s gets a token and a Role that reads, never secrets", async () => {
  const quiet = await dryRun(script, "--name", "q");
  assert.is(byKind(quiet, "ServiceAccount")[0]!.automountServiceAccountToken, false);
  assert.is(pod(quiet).automountServiceAccountToken, false);
  assert.is(byKind(quiet, "Role").length, 0);
  const k8s = await dryRun(fixture("job-in-cluster.ts"), "--name", "k");
  assert.equal(k8s.map((d) => d.kind), ["ServiceAccount", "Role", "RoleBinding", "ConfigMap", "Job"]);
  assert.is(pod(k8s).automountServiceAccountToken, true);
  assert.is(pod(k8s).serviceAccountName, "k");
  const rules = byKind(k8s, "Role")[0]!.rules as Array<{ resources: string[]; verbs: string[] }>;
  assert.ok(rules.every((r) => r.verbs.every((v) => ["get", "list", "watch"].includes(v))), "read only");
  assert.ok(rules.some((r) => r.resources.includes("pods")));
  assert.not.ok(rules.some((r) => r.resources.includes("secrets") || r.resources.includes("*")), "never secrets");
  const binding = byKind(k8s, "RoleBinding")[0]!;
  assert.equal(binding.subjects, [{ kind: "ServiceAccount", name: "k", namespace: "perf" }]);
  assert.equal(binding.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "k" });
  const allowed = await dryRun(fixture("job-in-cluster.ts"), "--name", "k", "--allow", "create,delete:configmaps,apps/deployments");
  assert.equal(byKind(allowed, "Role")[0]!.rules.slice(rules.length), [
    { apiGroups: [""], resources: ["configmaps"], verbs: ["create", "delete"] },
    { apiGroups: ["apps"], resources: ["deployments"], verbs: ["create", "delete"] },
  ], "--allow adds to the reads");
  assert.equal(byKind(allowed, "Role")[0]!.rules.slice(0, rules.length), rules);
});

test("a kperf profile runs as a Job too, archived as its document; it talks to the cluster, so it gets a token and the Role", async () => {
  const docs = await dryRun(path.join(repoRoot, "test/fixtures/kperf/list_configmaps.yaml"), "--name", "kp");
  assert.equal(docs.map((d) => d.kind), ["ServiceAccount", "Role", "RoleBinding", "ConfigMap", "Job"]);
  const archive = parseArchive(gunzipSync(Buffer.from(byKind(docs, "ConfigMap")[0]!.binaryData["archive.tar.gz"], "base64")));
  assert.is(archive.meta.content, "document");
  assert.is(archive.meta.input.format, "kperf-runner-group");
  assert.is(byKind(docs, "Job")[0]!.spec.activeDeadlineSeconds, 3600, "a document's run has no plan here: an hour unless --deadline");
});

test("on the local cluster's real node: host network, the node's name and its taint tolerated; elsewhere none of it", async () => {
  const r = await runCli(["job", "--dry-run", "-o", "json", script, "--name", "rn", "--placement", "real-node"]);
  assert.is(r.exitCode, 0, r.stderr);
  const spec = pod(JSON.parse(r.stdout).items);
  assert.is(spec.hostNetwork, true);
  assert.equal(spec.nodeSelector, { "kubernetes.io/hostname": "127.0.0.1" });
  assert.equal(spec.tolerations, [{ key: "loadgen.io/real-node", operator: "Exists", effect: "NoSchedule" }]);
  const elsewhere = pod(await dryRun(script, "--name", "rn"));
  assert.is(elsewhere.hostNetwork, undefined);
  assert.is(elsewhere.tolerations, undefined);
  assert.is(elsewhere.nodeSelector, undefined);
});

test("--image, --requests and --limits go to the runner; bad values are refused naming the flag", async () => {
  const spec = pod(await dryRun(script, "--name", "i", "--image", "registry.example.com/loadgen:1.2", "--requests", "cpu=500m,memory=256Mi", "--limits", "cpu=1,memory=512Mi"));
  assert.is(spec.containers[0].image, "registry.example.com/loadgen:1.2");
  assert.equal(spec.containers[0].resources, { requests: { cpu: "500m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } });
  for (const [flag, value, message] of [
    ["--name", "Not_A_Name", "--name must be lower-case"],
    ["--requests", "cpu", "--requests expects NAME=QUANTITY"],
    ["--allow", "pods", "--allow expects VERBS:RESOURCES"],
    ["--wait-for", "consumer:8000", "--wait-for expects an http:// or https:// URL"],
  ] as const) {
    const r = await runCli(["job", "--dry-run", script, flag, value]);
    assert.is(r.exitCode, 1, `${flag} ${value}`);
    assert.match(r.stderr, message);
  }
});

test.run();
