// Object templates in the form KubeVirt's perfscale-load-generator and kube-burner use: YAML with Go-template
// variables, `{{.name}}` or `{{ .name }}`, filled as text before the YAML is parsed (so a variable may stand for a
// number, a whole value or part of one). Dotted paths reach into nested variables (`{{.vm.cpu}}`).
import yaml from "js-yaml";
import { clientError } from "./errors.ts";

const VARIABLE = /\{\{-?\s*\.([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*-?\}\}/g;
const LEFTOVER = /\{\{[^}]*\}\}/;

/**
 * Fills the variables of `template`.
 * @throws {K8sError} code InvalidTemplate naming a variable that `vars` does not define, or an action other than `{{.name}}`.
 */
export function fillTemplate(template: string, vars: Readonly<Record<string, unknown>>): string {
  const out = template.replace(VARIABLE, (_m, path: string) => {
    let v: unknown = vars;
    for (const part of path.split(".")) {
      if (v === null || typeof v !== "object" || !(part in (v as object))) {
        throw clientError("InvalidTemplate", `template variable {{.${path}}} is not defined (defined: ${Object.keys(vars).join(", ") || "none"})`);
      }
      v = (v as Record<string, unknown>)[part];
    }
    return typeof v === "object" && v !== null ? JSON.stringify(v) : String(v);
  });
  const left = LEFTOVER.exec(out);
  if (left) throw clientError("InvalidTemplate", `template action ${left[0]} is not supported: use {{.name}} variables`);
  return out;
}

/**
 * Parses YAML or JSON text into objects (one per document; empty documents are skipped).
 * @throws {K8sError} code InvalidObject for text that does not parse, or a document that is not an object.
 */
export function parseObjects(text: string): Record<string, unknown>[] {
  let docs: unknown[];
  try {
    docs = yaml.loadAll(text);
  } catch (e) {
    throw clientError("InvalidObject", `malformed object: ${(e as Error).message.split("\n")[0]}`);
  }
  const out: Record<string, unknown>[] = [];
  for (const d of docs) {
    if (d === null || d === undefined) continue;
    if (typeof d !== "object" || Array.isArray(d)) throw clientError("InvalidObject", `malformed object: expected a mapping, got ${Array.isArray(d) ? "a list" : typeof d}`);
    out.push(d as Record<string, unknown>);
  }
  return out;
}

/** Fills and parses a template. */
export function renderTemplate(template: string, vars: Readonly<Record<string, unknown>>): Record<string, unknown>[] {
  return parseObjects(fillTemplate(template, vars));
}
