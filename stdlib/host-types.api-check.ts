// `npm run typecheck` (tsconfig.json): where a host library has its own type for something a module's .d.ts declares
// (an option a scenario passes, a result it reads back as JSON), the two must agree, so neither half can change alone.
// The names the host tables register are checked against stdlib/host-calls.ts by test/engine/host-calls.test.ts.
// Types only: nothing here runs.
import type * as K8s from "./k8s/k8s.d.ts";
import type * as Kubevirt from "./kubevirt/kubevirt.d.ts";
import type * as Kwok from "./kwok/kwok.d.ts";
import type { UP_PHASES } from "../runtime/kubevirt/phase-tracker.ts";
import type { ControllerKind, ControllerMode } from "../runtime/kwok/controller-deploy.ts";
import type { AddOptions, DeleteResult, NodePoolSpec, NodePoolStatus, Taint } from "../runtime/kwok/node-pool.ts";
import type { PodStartupOptions, PodStartupStats } from "../runtime/kwok/pod-startup.ts";
import type { MilestonesSeconds, ScalingTimeline } from "../runtime/kube/replica-timeline.ts";

/** What JSON.stringify makes of a `T`, as the guest reads it: the same shape, nothing read-only. */
type Wire<T> = T extends ReadonlyArray<infer E> ? Wire<E>[] : T extends object ? { -readonly [K in keyof T]: Wire<T[K]> } : T;
/** A type error naming the mismatch unless `From` can stand where `To` is declared. */
type Assignable<From extends To, To> = [From, To];
/** Assignable both ways: the same type (`C` is only `A` again, to state the second direction without a cycle). */
type Same<A extends B, B extends C, C = A> = [A, B, C];

export type KwokTypes = [
  // A pool's taints, the controller choice and the controller report, as the .d.ts names them.
  Same<Wire<Taint>, Kwok.Taint>,
  Same<ControllerMode, NonNullable<Kwok.NodePoolOptions["controller"]>>,
  Same<ControllerKind, Kwok.AddedNodePool["controller"]>,
  // addNodePool's options are the pool spec (less its name, given apart) and the add options (less timeoutMs, given as
  // `timeout`), no more: an option the .d.ts declares that the library does not read would be silently ignored.
  Assignable<Required<Pick<Kwok.NodePoolOptions, "nodes" | "cpu" | "memory" | "maxPods" | "labels" | "taints">>, Omit<Wire<NodePoolSpec>, "name">>,
  Assignable<Pick<Kwok.NodePoolOptions, "wait" | "concurrency" | "controller" | "controllerImage">, AddOptions>,
  Same<Exclude<keyof Kwok.NodePoolOptions, keyof NodePoolSpec | keyof AddOptions | "timeout">, never>,
  // Results, as the host sends them (the host types a pool's tolerations loosely, as string records: left out).
  Assignable<Wire<Omit<NodePoolStatus, "tolerations">>, Omit<Kwok.NodePool, "tolerations">>,
  Same<Wire<DeleteResult>, Kwok.DeletedNodePool>,
  Same<Wire<PodStartupStats>, Kwok.PodStartupStats>,
  // trackPodStartup's options are the tracker's, plus the tags of its samples.
  Same<Wire<PodStartupOptions>, Omit<Kwok.TrackOptions, "tags">>,
];

export type KubevirtTypes = [
  // The phases the tracker orders are phases the .d.ts names.
  Assignable<(typeof UP_PHASES)[number], Kubevirt.Phase>,
];

export type K8sTypes = [
  // watchReplicas' timeline, as the host sends it.
  Same<Wire<ScalingTimeline>, K8s.ScalingTimeline>,
  Same<Wire<MilestonesSeconds>, K8s.ReplicaMilestones>,
];
