/**
 * Interned, immutable tag sets. A sample carries a TagSet, never a fresh object: `with()` returns the same
 * instance for the same (parent, key, value), so the hot path allocates nothing once a tag combination has
 * been seen, and sinks can be keyed by the set's numeric id.
 */
export class TagSet {
  /** Dense id, unique within its TagRegistry; sinks use it as an array index. */
  readonly id: number;
  /** The tags as a frozen plain object, keys in insertion order. */
  readonly tags: Readonly<Record<string, string>>;
  /** A stable string form (`k=v,k=v`, keys sorted) for maps and output. */
  readonly key: string;
  readonly #registry: TagRegistry;
  readonly #children = new Map<string, TagSet>();

  constructor(registry: TagRegistry, id: number, tags: Readonly<Record<string, string>>, key: string) {
    this.#registry = registry;
    this.id = id;
    this.tags = tags;
    this.key = key;
  }

  /** This set with one tag added or replaced. Cached: the second call with the same pair allocates nothing. */
  with(key: string, value: string): TagSet {
    const memo = key + "\u0000" + value;
    let child = this.#children.get(memo);
    if (child === undefined) {
      child = this.#registry.intern({ ...this.tags, [key]: value });
      this.#children.set(memo, child);
    }
    return child;
  }

  /** This set with every pair of `extra` added (in the object's key order). */
  withAll(extra: Readonly<Record<string, string>> | undefined): TagSet {
    let out: TagSet = this;
    if (extra) for (const k in extra) out = out.with(k, extra[k]!);
    return out;
  }

  /** True when every pair of `filter` is in this set (a sub-metric selector such as `{scenario: "burst"}`). */
  matches(filter: Readonly<Record<string, string>>): boolean {
    for (const k in filter) if (this.tags[k] !== filter[k]) return false;
    return true;
  }
}

/** Owns the TagSets of one run (or one worker); ids are dense so sinks can live in arrays. */
export class TagRegistry {
  readonly #byKey = new Map<string, TagSet>();
  readonly #all: TagSet[] = [];
  /** The empty set, root of every `with()` chain. */
  readonly empty: TagSet;

  constructor() {
    this.empty = this.intern({});
  }

  /** The one TagSet for these tags (order-insensitive). */
  intern(tags: Readonly<Record<string, string>>): TagSet {
    const key = tagKey(tags);
    let set = this.#byKey.get(key);
    if (set === undefined) {
      set = new TagSet(this, this.#all.length, Object.freeze({ ...tags }), key);
      this.#byKey.set(key, set);
      this.#all.push(set);
    }
    return set;
  }

  /** The set with this id, or undefined. */
  byId(id: number): TagSet | undefined {
    return this.#all[id];
  }

  /** Number of distinct tag sets seen (a cardinality guard for outputs and summaries). */
  get size(): number {
    return this.#all.length;
  }
}

/** Canonical text form of a tag object: keys sorted, `k=v` joined by commas. */
export function tagKey(tags: Readonly<Record<string, string>>): string {
  const keys = Object.keys(tags).sort();
  let s = "";
  for (const k of keys) s += (s ? "," : "") + k + "=" + tags[k];
  return s;
}
