import { ExecutionSegment, parseSequence } from "./execution-segment.ts";
import { ExecutionTuple } from "./execution-tuple.ts";

/** Where a segment setting came from, for messages: the flag, or the options key. */
interface Setting {
  readonly value: unknown;
  readonly name: string;
}

/**
 * This instance's segment of the test, from `--execution-segment`/`--execution-segment-sequence` or, when a flag is
 * not given, `options.executionSegment`/`options.executionSegmentSequence` (k6's names). Every problem is appended to
 * `problems`, naming the flag or option it came from; the whole test is returned then.
 */
export function resolveSegment(
  cli: { readonly executionSegment?: string; readonly executionSegmentSequence?: string },
  options: Readonly<Record<string, unknown>>,
  problems: string[],
): ExecutionTuple {
  const segmentSetting: Setting | undefined = cli.executionSegment !== undefined
    ? { value: cli.executionSegment, name: "--execution-segment" }
    : options.executionSegment !== undefined ? { value: options.executionSegment, name: "executionSegment" } : undefined;
  const sequenceSetting: Setting | undefined = cli.executionSegmentSequence !== undefined
    ? { value: cli.executionSegmentSequence, name: "--execution-segment-sequence" }
    : options.executionSegmentSequence !== undefined ? { value: options.executionSegmentSequence, name: "executionSegmentSequence" } : undefined;
  const before = problems.length;
  const segment = segmentSetting && read(segmentSetting, problems, (s) => ExecutionSegment.parse(s), "1/4:2/4");
  const sequence = sequenceSetting && read(sequenceSetting, problems, (s) => parseSequence(s), "0,1/4,2/4,3/4,1");
  if (problems.length > before) return ExecutionTuple.whole;
  if (sequence !== undefined && segment === undefined) {
    problems.push(`${sequenceSetting!.name}: needs an execution segment too (--execution-segment or executionSegment): which of the sequence's segments this instance runs`);
    return ExecutionTuple.whole;
  }
  try {
    return ExecutionTuple.of(segment, sequence);
  } catch (e) {
    problems.push(`${segmentSetting!.name}: ${(e as Error).message}${sequenceSetting ? ` (from ${sequenceSetting.name})` : ""}`);
    return ExecutionTuple.whole;
  }
}

function read<T>(setting: Setting, problems: string[], parse: (text: string) => T, example: string): T | undefined {
  if (typeof setting.value !== "string") {
    problems.push(`${setting.name}: must be a string such as "${example}", got ${JSON.stringify(setting.value)}`);
    return undefined;
  }
  try {
    return parse(setting.value);
  } catch (e) {
    problems.push(`${setting.name}: ${JSON.stringify(setting.value)}: ${(e as Error).message}`);
    return undefined;
  }
}
