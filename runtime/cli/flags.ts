/**
 * Flags as data: each command declares its flags in a table (the key is the name its action reads), and the action's
 * type is derived from the table, so the declaration and the parsed value cannot drift (vitest's cli-config.ts does
 * the same). Tables shared by several commands (cluster access, execution overrides) are declared once and spread in.
 */
import { Option, type Command } from "commander";

/** One flag: commander's spelling and help, how its value reads, and its default. `V` is what the action sees. */
export interface Flag<V> {
  readonly flags: string;
  readonly description: string;
  readonly parse?: (value: string, previous: V) => V;
  readonly default?: V;
  /** How `--help` shows the default, when not as the value itself (`5m` rather than 300000). */
  readonly defaultText?: string;
  readonly choices?: readonly string[];
  readonly required?: boolean;
  /** The heading it is listed under in `--help` (flags that apply to one input format). */
  readonly group?: string;
  /** Carries V for FlagValues; never set. */
  readonly value?: V;
}

export type FlagTable = Readonly<Record<string, Flag<any>>>;

/** What an action receives for a table. */
export type FlagValues<T extends FlagTable> = { readonly [K in keyof T]: T[K] extends Flag<infer V> ? V : never };

interface FlagOptions {
  readonly group?: string;
}

/** `--name <value>`: the text, undefined when not given. */
export function textFlag(flags: string, description: string, o: FlagOptions & { choices?: readonly string[] } = {}): Flag<string | undefined> {
  return { flags, description, ...o };
}

/** `--name <value>` with a default. */
export function defaultedFlag<V>(flags: string, description: string, parse: ((value: string) => V) | undefined, fallback: V, o: FlagOptions & { choices?: readonly string[]; defaultText?: string } = {}): Flag<V> {
  return { flags, description, parse: parse && ((value: string) => parse(value)), default: fallback, ...o };
}

/** `--name <value>`, read by `parse` (which throws commander's InvalidArgumentError); undefined when not given. */
export function parsedFlag<V>(flags: string, description: string, parse: (value: string) => V, o: FlagOptions & { required?: boolean } = {}): Flag<V | undefined> {
  return { flags, description, parse: (value: string) => parse(value), ...o };
}

/** A flag given as often as wanted, folded into one value from `initial`. */
export function repeatableFlag<V>(flags: string, description: string, fold: (value: string, previous: V) => V, initial: V, o: FlagOptions = {}): Flag<V> {
  return { flags, description, parse: fold, default: initial, ...o };
}

/** `--name`: true when given. */
export function switchFlag(flags: string, description: string, o: FlagOptions = {}): Flag<boolean | undefined> {
  return { flags, description, ...o };
}

/** `--no-name`: true unless given (commander's negatable flag). */
export function negatedFlag(flags: string, description: string, o: FlagOptions = {}): Flag<boolean> {
  return { flags, description, ...o };
}

/**
 * Adds a table's flags to `command`.
 * @throws {Error} when a key is not the name commander stores the flag under (a table that says one thing and
 * parses another is a bug, caught by the first run of any command that uses it).
 */
export function addFlags<C extends Command>(command: C, table: FlagTable): C {
  for (const [key, f] of Object.entries(table)) {
    const option = new Option(f.flags, f.description);
    if (option.attributeName() !== key) throw new Error(`flag table of ${command.name()}: ${f.flags} is read as "${option.attributeName()}", not "${key}"`);
    if (f.parse) option.argParser(f.parse);
    if (f.default !== undefined) option.default(f.default, f.defaultText);
    if (f.choices) option.choices(f.choices);
    if (f.required) option.makeOptionMandatory();
    if (f.group) option.helpGroup(f.group);
    command.addOption(option);
  }
  return command;
}
