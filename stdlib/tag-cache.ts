import type { TagSet } from "../runtime/metrics/tags.ts";

/** Decodes the JSON tag objects that shims send (`{"kind":"a"}`) once per distinct text, then reuses them. */
export class TagCache {
  readonly #decoded = new Map<string, Readonly<Record<string, string>>>();

  /** `base` with the tags of `json` added; throws on text that is not an object of strings. */
  apply(base: TagSet, json: string): TagSet {
    let tags = this.#decoded.get(json);
    if (tags === undefined) {
      const parsed: unknown = JSON.parse(json);
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new TypeError("tags must be an object");
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(parsed)) out[k] = String(v);
      tags = Object.freeze(out);
      if (this.#decoded.size < 10_000) this.#decoded.set(json, tags);
    }
    return base.withAll(tags);
  }
}
