// `npm run typecheck` (tsconfig.guest.json): each guest shim is the module its .d.ts declares. A shim must export
// every declared name with a type the declaration accepts, and nothing the declaration does not name (a scenario
// could call an undeclared export, untyped). Types only: nothing here runs or is bundled.
import type * as LoadgenApi from "loadgen";
import type * as MetricsApi from "loadgen/metrics";
import type * as ExecutionApi from "loadgen/execution";
import type * as K8sApi from "loadgen/k8s";
import type * as KubevirtApi from "loadgen/kubevirt";
import type * as KwokApi from "loadgen/kwok";
import type * as HttpApi from "loadgen/http";
import type * as Loadgen from "./loadgen/guest.ts";
import type * as Metrics from "./metrics/guest.ts";
import type * as Execution from "./execution/guest.ts";
import type * as K8s from "./k8s/guest.ts";
import type * as Kubevirt from "./kubevirt/guest.ts";
import type * as Kwok from "./kwok/guest.ts";
import type * as Http from "./http/guest.ts";
import type { AsyncHostCalls, SyncHostCalls } from "./host-calls.ts";

/** `Shim`, when it implements `Api` exactly; a type error naming the first mismatch otherwise. */
type Implements<Api, Shim extends Api & Record<Exclude<keyof Shim, keyof Api>, never>> = Shim;

export type GuestShims = [
  Implements<typeof LoadgenApi, typeof Loadgen>,
  Implements<typeof MetricsApi, typeof Metrics>,
  Implements<typeof ExecutionApi, typeof Execution>,
  Implements<typeof K8sApi, typeof K8s>,
  Implements<typeof KubevirtApi, typeof Kubevirt>,
  Implements<typeof KwokApi, typeof Kwok>,
  Implements<typeof HttpApi, typeof Http>,
];

/** Bound host functions take at most four arguments (runtime/vu reads that many without a rest array). */
type AtMostFour<Calls> = { [N in keyof Calls]: Calls[N] extends (...args: infer A) => unknown ? (A["length"] extends 0 | 1 | 2 | 3 | 4 ? true : N) : N };
type Check<T extends Record<string, true>> = T;
export type HostCallArity = [Check<AtMostFour<SyncHostCalls>>, Check<AtMostFour<AsyncHostCalls>>];
