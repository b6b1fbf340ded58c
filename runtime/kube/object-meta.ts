// What a write needs to know about the object it sends (apiVersion, kind, name, namespace), read and checked once:
// callers hand in objects from YAML, JSON or templates, and a malformed one fails here with a clear message rather
// than at the API server.
import { clientError } from "./errors.ts";

/** A loosely typed Kubernetes object. */
export type KubeObject = Record<string, any>;

export interface ObjectMeta {
  readonly apiVersion: string | undefined;
  readonly kind: string | undefined;
  readonly name: string | undefined;
  readonly namespace: string | undefined;
  /** metadata.generateName is set (the server names the object). */
  readonly hasGenerateName: boolean;
}

/**
 * The object's identity, with metadata and metadata.labels checked to be mappings.
 * @throws {K8sError} code InvalidObject for a malformed object.
 */
export function objectMeta(obj: KubeObject): ObjectMeta {
  const metadata = obj.metadata;
  if (metadata !== undefined && (metadata === null || typeof metadata !== "object" || Array.isArray(metadata))) {
    throw clientError("InvalidObject", "malformed object: metadata must be a mapping");
  }
  const m = (metadata ?? {}) as { name?: unknown; generateName?: unknown; namespace?: unknown; labels?: unknown };
  if (m.labels !== undefined && (m.labels === null || typeof m.labels !== "object" || Array.isArray(m.labels))) {
    throw clientError("InvalidObject", "malformed object: metadata.labels must be a mapping of strings");
  }
  const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  return { apiVersion: str(obj.apiVersion), kind: str(obj.kind), name: str(m.name), namespace: str(m.namespace), hasGenerateName: m.generateName !== undefined };
}
