// Certificates and keys for the local cluster, generated on `cluster up`:
// a CA, the apiserver's serving certificate (for 127.0.0.1 and localhost),
// an admin client certificate (O=system:masters), the service-account
// signing key pair and a static admin bearer token; for the real node, the
// kubelet's client certificate (system:node:<name>, for the Node authorizer
// and NodeRestriction), its serving certificate (verified by the apiserver)
// and the apiserver's client certificate for the kubelet (logs, exec).
//
// Why openssl: node:crypto makes keys but cannot issue X.509 certificates,
// and openssl ships with Debian (and macOS), whereas a JS X.509 library
// would be a new runtime dependency for one start-up step.
import { execFile } from "node:child_process";
import { generateKeyPair, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { NODE_NAME } from "./kubelet.ts";

const run = promisify(execFile);

export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  saKey: string;
  saPub: string;
  tokenFile: string;
  adminToken: string;
  kubeletClientCert: string;
  kubeletClientKey: string;
  kubeletServingCert: string;
  kubeletServingKey: string;
  apiserverKubeletClientCert: string;
  apiserverKubeletClientKey: string;
}

export const ADMIN_USER = "loadgen-admin";

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run("openssl", args, { cwd });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT") {
      throw new Error("openssl not found: the local cluster generates its certificates with it (Debian: apt-get install openssl)");
    }
    throw new Error(`openssl ${args[0]} failed while generating the cluster certificates in ${cwd}: ${e.stderr || e.message}`);
  }
}

const DAYS = "3650";
const CLIENT = "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n";
const SERVER = "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n";

/**
 * P-256 keys: openssl makes one in a millisecond, where an RSA key takes a good part of a second on a busy 2-core
 * machine, and `cluster up` waits for six of them.
 */
const NEW_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];

/**
 * A key and a certificate `name`.{key,crt} signed by the CA in `dir`; a random serial (not -CAcreateserial's shared
 * ca.srl) lets several be signed side by side.
 */
async function sign(dir: string, name: string, subj: string, ext: string): Promise<void> {
  await openssl(["req", ...NEW_KEY, "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subj], dir);
  await writeFile(join(dir, `${name}.ext`), ext);
  await openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-set_serial", `0x${randomBytes(16).toString("hex")}`,
    "-out", `${name}.crt`, "-days", DAYS, "-extfile", `${name}.ext`], dir);
}

/** Generates a fresh PKI in `dir` (overwriting what is there). */
export async function generatePki(dir: string): Promise<Pki> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const p = (name: string) => join(dir, name);

  await openssl(["req", "-x509", ...NEW_KEY, "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
    "-days", DAYS, "-subj", "/CN=loadgen-local-ca",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], dir);
  // Service-account tokens are signed by kube-apiserver with this key and
  // verified with the public half (by the apiserver and KCM); RSA, as tokens
  // are RS256 on every cluster. Made beside the certificates.
  const sa = promisify(generateKeyPair)("rsa", { modulusLength: 2048 });
  await Promise.all([
    sign(dir, "apiserver", "/CN=kube-apiserver",
      SERVER + "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\n"),
    sign(dir, "admin", `/O=system:masters/CN=${ADMIN_USER}`, CLIENT),
    ensureNodeCertificates(dir),
    sa,
  ]);
  const { privateKey, publicKey } = await sa;
  await writeFile(p("sa.key"), privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  await writeFile(p("sa.pub"), publicKey.export({ type: "spki", format: "pem" }));

  // --token-auth-file format: token,user,uid,"group1,group2"
  const adminToken = randomBytes(24).toString("hex");
  await writeFile(p("tokens.csv"), `${adminToken},${ADMIN_USER},${ADMIN_USER},"system:masters"\n`, { mode: 0o600 });

  return pkiFiles(dir, adminToken);
}

/**
 * The real node's certificates, signed by the CA in `dir` unless they are there: a cluster started before loadgen had
 * a real node gets them when `cluster up` adds one.
 */
export async function ensureNodeCertificates(dir: string): Promise<void> {
  const missing = (name: string) => !existsSync(join(dir, `${name}.crt`));
  await Promise.all([
    missing("kubelet-client") && sign(dir, "kubelet-client", `/O=system:nodes/CN=system:node:${NODE_NAME}`, CLIENT),
    missing("kubelet-serving") && sign(dir, "kubelet-serving", `/O=system:nodes/CN=system:node:${NODE_NAME}`, SERVER + `subjectAltName=IP:${NODE_NAME},DNS:localhost\n`),
    missing("apiserver-kubelet-client") && sign(dir, "apiserver-kubelet-client", "/O=system:masters/CN=kube-apiserver-kubelet-client", CLIENT),
  ]);
}

/** The paths generatePki writes in `dir`. */
export function pkiFiles(dir: string, adminToken: string): Pki {
  const p = (name: string) => join(dir, name);
  return {
    dir,
    caCert: p("ca.crt"),
    caKey: p("ca.key"),
    servingCert: p("apiserver.crt"),
    servingKey: p("apiserver.key"),
    adminCert: p("admin.crt"),
    adminKey: p("admin.key"),
    saKey: p("sa.key"),
    saPub: p("sa.pub"),
    tokenFile: p("tokens.csv"),
    adminToken,
    kubeletClientCert: p("kubelet-client.crt"),
    kubeletClientKey: p("kubelet-client.key"),
    kubeletServingCert: p("kubelet-serving.crt"),
    kubeletServingKey: p("kubelet-serving.key"),
    apiserverKubeletClientCert: p("apiserver-kubelet-client.crt"),
    apiserverKubeletClientKey: p("apiserver-kubelet-client.key"),
  };
}
