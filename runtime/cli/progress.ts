import type { ScenarioProgress } from "../execution/execute-run.ts";

const BAR_WIDTH = 30;

/**
 * The live progress block on a TTY: one line per scenario (state, elapsed, VUs, iterations, a bar), redrawn in
 * place. Never used when stdout is not a terminal or with --quiet.
 */
export class ProgressDisplay {
  readonly #stream: NodeJS.WriteStream;
  #lines = 0;

  constructor(stream: NodeJS.WriteStream) {
    this.#stream = stream;
  }

  render(scenarios: readonly ScenarioProgress[], elapsedMs: number): void {
    const width = Math.max(...scenarios.map((s) => s.name.length), 8);
    const lines = scenarios.map((s) => formatLine(s, width, elapsedMs));
    this.clear();
    if (lines.length) this.#stream.write(lines.join("\n") + "\n");
    this.#lines = lines.length;
  }

  /** Removes the block (before the summary is printed). */
  clear(): void {
    if (this.#lines > 0) this.#stream.write(`\x1b[${this.#lines}A\x1b[J`);
    this.#lines = 0;
  }
}

function formatLine(s: ScenarioProgress, width: number, elapsedMs: number): string {
  const filled = Math.round(s.progress * BAR_WIDTH);
  const bar = "=".repeat(Math.max(0, filled - 1)) + (filled > 0 ? ">" : "") + " ".repeat(BAR_WIDTH - filled);
  const state = s.state === "done" ? "✓" : s.state === "waiting" ? "…" : " ";
  const extra = s.dropped ? ` ${s.dropped} dropped` : "";
  return `${state} ${s.name.padEnd(width)} [${bar}] ${(s.progress * 100).toFixed(0).padStart(3)}%  ${formatElapsed(elapsedMs)}  ${String(s.vus).padStart(4)} VUs  ${s.completed} iterations${s.interrupted ? ` ${s.interrupted} interrupted` : ""}${extra}  (${s.executor})`;
}

function formatElapsed(ms: number): string {
  const total = Math.floor(ms / 1000);
  const m = Math.floor(total / 60);
  const sec = total % 60;
  return `${String(m).padStart(2, "0")}m${String(sec).padStart(2, "0")}s`;
}
