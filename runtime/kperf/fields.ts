// Reading a parsed YAML document field by field, with the field's path kept alongside (`loadProfile.specs[0].conns`),
// so every problem names where it is. Problems are collected rather than thrown: `loadgen run` lists every problem of
// a file at once (exit code 104), as it does for scenario options, instead of making the user fix them one by one.

/** Thrown when a document has problems; each one is `path: what is wrong`. */
export class FieldProblems extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(problems.join("\n"));
    this.problems = problems;
  }
}

/** One value of the document and where it is. The problems list is shared by every field of one document. */
export class Field {
  readonly value: unknown;
  readonly path: string;
  readonly #problems: string[];

  constructor(value: unknown, path: string, problems: string[]) {
    this.value = value;
    this.path = path;
    this.#problems = problems;
  }

  /** A fresh document root with its own problem list; `path` prefixes every problem (e.g. `loadProfile`). */
  static root(value: unknown, path = ""): Field {
    return new Field(value, path, []);
  }

  /** Throws FieldProblems if any field of this document had a problem. */
  throwIfProblems(): void {
    if (this.#problems.length > 0) throw new FieldProblems([...this.#problems]);
  }

  get problemCount(): number {
    return this.#problems.length;
  }

  /** Records a problem with this field. */
  problem(message: string): void {
    this.#problems.push(`${this.path || "(document)"}: ${message}`);
  }

  /** Absent, or null as YAML writes an empty key. */
  get missing(): boolean {
    return this.value === undefined || this.value === null;
  }

  /** A key of this mapping (absent when this is not a mapping). */
  at(key: string): Field {
    const v = this.isMapping() ? (this.value as Record<string, unknown>)[key] : undefined;
    return new Field(v, this.path ? `${this.path}.${key}` : key, this.#problems);
  }

  /** True for a mapping (a YAML object that is not a list). */
  isMapping(): boolean {
    return typeof this.value === "object" && this.value !== null && !Array.isArray(this.value);
  }

  /** The keys of this mapping. */
  keys(): string[] {
    return this.isMapping() ? Object.keys(this.value as object) : [];
  }

  /** Records a problem (and returns false) unless this is a mapping. */
  expectMapping(): boolean {
    if (this.isMapping()) return true;
    this.problem(`must be a mapping, got ${describe(this.value)}`);
    return false;
  }

  /** The items of a list (none, with a problem, if it is something else; none if absent). */
  items(): Field[] {
    if (this.missing) return [];
    if (!Array.isArray(this.value)) {
      this.problem(`must be a list, got ${describe(this.value)}`);
      return [];
    }
    return this.value.map((v, i) => new Field(v, `${this.path}[${i}]`, this.#problems));
  }

  /** Records a problem for every key not in `known` (a typo would otherwise silently change what is sent). */
  onlyKeys(known: readonly string[], hints: Readonly<Record<string, string>> = {}): void {
    for (const k of this.keys()) {
      if (known.includes(k)) continue;
      const hint = hints[k];
      this.at(k).problem(`unknown field${hint ? ` (${hint})` : ""}; known: ${known.join(", ")}`);
    }
  }

  /** A finite number, `def` when absent. */
  number(def = 0): number {
    if (this.missing) return def;
    if (typeof this.value !== "number" || !Number.isFinite(this.value)) {
      this.problem(`must be a number, got ${describe(this.value)}`);
      return def;
    }
    return this.value;
  }

  /** An integer (kperf's Go `int` fields refuse fractions), `def` when absent. */
  int(def = 0): number {
    const n = this.number(def);
    if (!Number.isInteger(n)) {
      this.problem(`must be a whole number, got ${n}`);
      return def;
    }
    return n;
  }

  /** A string, `def` when absent. */
  string(def = ""): string {
    if (this.missing) return def;
    if (typeof this.value !== "string") {
      this.problem(`must be a string, got ${describe(this.value)}`);
      return def;
    }
    return this.value;
  }

  /** A string, also accepting a number YAML read from an unquoted scalar (`resourceVersion: 0`), as Go's YAML does. */
  scalarString(def = ""): string {
    if (typeof this.value === "number" && Number.isFinite(this.value)) return String(this.value);
    return this.string(def);
  }

  /** A boolean, `def` when absent. */
  bool(def = false): boolean {
    if (this.missing) return def;
    if (typeof this.value !== "boolean") {
      this.problem(`must be true or false, got ${describe(this.value)}`);
      return def;
    }
    return this.value;
  }
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return "a list";
  if (v !== null && typeof v === "object") return "a mapping";
  return JSON.stringify(v) ?? String(v);
}
