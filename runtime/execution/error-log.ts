import { formatGuestError, type GuestError } from "../vu/guest-error.ts";

const SHOWN_PER_ERROR = 3;

/**
 * Prints iteration errors without flooding the terminal: each distinct error (message + location) is shown
 * a few times, then only counted; the counts go into the summary.
 */
export class ErrorLog {
  readonly #counts = new Map<string, { error: GuestError; count: number }>();
  readonly #print: (line: string) => void;

  constructor(print: (line: string) => void) {
    this.#print = print;
  }

  report(error: GuestError, where: string): void {
    const entry = this.#entry(error);
    entry.count++;
    if (entry.count <= SHOWN_PER_ERROR) {
      this.#print(`ERROR ${where}: ${formatGuestError(error)}`);
      if (entry.count === SHOWN_PER_ERROR) this.#print(`      (this error is now only counted; see the summary)`);
    }
  }

  /** Counts errors another log counted (a runner of a group, which printed them itself). */
  add(counted: { readonly name: string; readonly message: string; readonly location: string | undefined; readonly count: number }): void {
    this.#entry({ name: counted.name, message: counted.message, location: counted.location, stack: "", kind: "exception" }).count += counted.count;
  }

  #entry(error: GuestError): { error: GuestError; count: number } {
    const key = `${error.name}: ${error.message} @${error.location ?? ""}`;
    let entry = this.#counts.get(key);
    if (!entry) {
      entry = { error, count: 0 };
      this.#counts.set(key, entry);
    }
    return entry;
  }

  /** Every distinct error with its count, most frequent first. */
  entries(): Array<{ name: string; message: string; location: string | undefined; count: number }> {
    return [...this.#counts.values()]
      .sort((a, b) => b.count - a.count)
      .map(({ error, count }) => ({ name: error.name, message: error.message, location: error.location, count }));
  }
}
