// The admin kubeconfig `cluster up` writes: the cluster CA for verification
// and the static admin token (the client certificate works too; the token
// keeps the file usable by tools that cannot read client certificates).
import { readFile, writeFile } from "node:fs/promises";
import yaml from "js-yaml";
import type { Pki } from "./pki.ts";

export const CONTEXT_NAME = "loadgen-local";

export async function writeKubeconfig(path: string, server: string, pki: Pki): Promise<void> {
  const ca = (await readFile(pki.caCert)).toString("base64");
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: CONTEXT_NAME, cluster: { server, "certificate-authority-data": ca } }],
    users: [{ name: "loadgen-admin", user: { token: pki.adminToken } }],
    contexts: [{ name: CONTEXT_NAME, context: { cluster: CONTEXT_NAME, user: "loadgen-admin" } }],
    "current-context": CONTEXT_NAME,
  };
  await writeFile(path, yaml.dump(config), { mode: 0o600 });
}
