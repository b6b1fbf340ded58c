// What a Kubernetes request is, apart from its path's names and its body: verb, method, resource, group, scope and
// kperf's masked URL, computed once per distinct request shape and reused, so the hot path builds no strings. It also
// caches the tag sets its samples carry, per base tag set and per status code.
import type { Dispatcher } from "undici";
import type { TagSet } from "../metrics/tags.ts";

/** One request shape and the tags of its samples. */
export class Endpoint {
  readonly verb: string;
  readonly method: Dispatcher.HttpMethod;
  /** kperf's "METHOD masked-url" key. */
  readonly maskedUrl: string;
  readonly resource: string;
  readonly group: string;
  readonly scope: string;
  readonly #tags = new Map<number, { base: TagSet; byStatus: Map<number, TagSet> }>();

  constructor(o: { verb: string; method: Dispatcher.HttpMethod; maskedUrl: string; resource: string; group: string; scope: string }) {
    this.verb = o.verb;
    this.method = o.method;
    this.maskedUrl = o.maskedUrl;
    this.resource = o.resource;
    this.group = o.group;
    this.scope = o.scope;
  }

  /** `base` (the VU's tags) with this endpoint's tags (verb, resource, group, scope, url) added. */
  baseTags(base: TagSet): TagSet {
    return this.#entry(base).base;
  }

  #entry(base: TagSet): { base: TagSet; byStatus: Map<number, TagSet> } {
    let entry = this.#tags.get(base.id);
    if (entry === undefined) {
      const t = base.with("verb", this.verb).with("resource", this.resource).with("group", this.group).with("scope", this.scope).with("url", this.maskedUrl);
      entry = { base: t, byStatus: new Map() };
      this.#tags.set(base.id, entry);
    }
    return entry;
  }

  /** The tags of a sample from `base` with this endpoint's and the status code's tags added. */
  tags(base: TagSet, status: number): TagSet {
    const entry = this.#entry(base);
    let tags = entry.byStatus.get(status);
    if (tags === undefined) {
      tags = entry.base.with("status", String(status));
      entry.byStatus.set(status, tags);
    }
    return tags;
  }
}
