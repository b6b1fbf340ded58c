// Types of scripts/deno.mjs for the TypeScript that imports it (tests).
export declare const DENO_VERSION: string;
/** The path of the deno binary, installing it first when the cache lacks it. */
export declare function ensureDeno(): string;
/** Runs deno with `args`; returns its exit status. */
export declare function runDeno(args: string[]): number;
