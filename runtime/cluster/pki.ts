// Certificates and keys for the local cluster, generated on `cluster up`:
// a CA, the apiserver's serving certificate (for 127.0.0.1 and localhost),
// an admin client certificate (O=system:masters), the service-account
// signing key pair and a static admin bearer token.
//
// Why openssl: node:crypto makes keys but cannot issue X.509 certificates,
// and openssl ships with Debian (and macOS), whereas a JS X.509 library
// would be a new runtime dependency for one start-up step.
import { execFile } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

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

/** Generates a fresh PKI in `dir` (overwriting what is there). */
export async function generatePki(dir: string): Promise<Pki> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const p = (name: string) => join(dir, name);
  const days = "3650";

  await openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
    "-days", days, "-subj", "/CN=loadgen-local-ca",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], dir);

  const sign = async (name: string, subj: string, ext: string) => {
    await openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subj], dir);
    await writeFile(p(`${name}.ext`), ext);
    await openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
      "-out", `${name}.crt`, "-days", days, "-extfile", `${name}.ext`], dir);
  };
  await sign("apiserver", "/CN=kube-apiserver",
    "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n" +
      "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\n");
  await sign("admin", `/O=system:masters/CN=${ADMIN_USER}`,
    "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n");

  // Service-account tokens are signed by kube-apiserver with this key and
  // verified with the public half (by the apiserver and KCM).
  const sa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  await writeFile(p("sa.key"), sa.privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  await writeFile(p("sa.pub"), sa.publicKey.export({ type: "spki", format: "pem" }));

  // --token-auth-file format: token,user,uid,"group1,group2"
  const adminToken = randomBytes(24).toString("hex");
  await writeFile(p("tokens.csv"), `${adminToken},${ADMIN_USER},${ADMIN_USER},"system:masters"\n`, { mode: 0o600 });

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
  };
}
