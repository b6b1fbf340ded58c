// Installs the KubeVirt CRDs with server-side apply (so a re-run of
// `cluster up` is a no-op) and waits until each is Established and its
// group-version appears in /openapi/v3: kwok resolves its Stage kinds
// through discovery and reads their OpenAPI schema at start-up, and exits
// if either is missing (the apiserver publishes OpenAPI a moment after
// Established).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import yaml from "js-yaml";
import { manifestsDir } from "./paths.ts";
import { probe } from "./http-probe.ts";

export const KUBEVIRT_CRDS_FILE = join(manifestsDir, "crds", "kubevirt-crds.yaml");

interface CrdDoc {
  metadata: { name: string };
  spec: { group: string; versions: { name: string; served: boolean }[] };
}

interface Api {
  server: string;
  ca: Buffer;
  token: string;
}

const CRD_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

export async function installCrds(api: Api, file = KUBEVIRT_CRDS_FILE, timeoutMs = 60_000): Promise<string[]> {
  const docs = (yaml.loadAll(readFileSync(file, "utf8")) as CrdDoc[]).filter(Boolean);
  for (const doc of docs) {
    const r = await probe(`${api.server}${CRD_PATH}/${doc.metadata.name}?fieldManager=loadgen&force=true`, {
      method: "PATCH",
      ca: api.ca,
      token: api.token,
      body: JSON.stringify(doc),
      contentType: "application/apply-patch+yaml",
      timeoutMs: 15_000,
    });
    if (r.status >= 300) throw new Error(`installing CRD ${doc.metadata.name} from ${file} failed: HTTP ${r.status} ${r.body}`);
  }
  const names = docs.map((d) => d.metadata.name);
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    for (;;) {
      const r = await probe(`${api.server}${CRD_PATH}/${name}`, { ca: api.ca, token: api.token });
      const conditions = r.status === 200 ? ((JSON.parse(r.body).status?.conditions ?? []) as { type: string; status: string }[]) : [];
      if (conditions.some((c) => c.type === "Established" && c.status === "True")) break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} was not Established after ${timeoutMs / 1000} s`);
      await new Promise((res) => setTimeout(res, 200));
    }
  }
  const groupVersions = [...new Set(docs.flatMap((d) => d.spec.versions.filter((v) => v.served).map((v) => `apis/${d.spec.group}/${v.name}`)))];
  for (;;) {
    const r = await probe(`${api.server}/openapi/v3`, { ca: api.ca, token: api.token });
    const paths = r.status === 200 ? (JSON.parse(r.body).paths ?? {}) : {};
    const missing = groupVersions.filter((gv) => !(gv in paths));
    if (missing.length === 0) break;
    if (Date.now() > deadline) throw new Error(`OpenAPI v3 still lacks ${missing.join(", ")} after ${timeoutMs / 1000} s`);
    await new Promise((res) => setTimeout(res, 200));
  }
  return names;
}
