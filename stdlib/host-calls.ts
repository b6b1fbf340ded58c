/**
 * Every host function a guest shim binds, by name, with what the guest passes and what comes back, as the values cross
 * the VU boundary: primitives only, objects as JSON text. This is the one declaration of the guest↔host calls:
 * stdlib/guest-host.ts types `__loadgen.sync/async(name)` from it, so a shim cannot bind a name the host does not
 * declare or pass the wrong arguments; test/engine/host-calls.test.ts checks that the host halves register exactly
 * these names; and a host binding can check its tables with {@link HostFunctions}.
 * Option and result types are the public ones of the modules' .d.ts files, so the three halves share them.
 * Types only: nothing here is bundled into a VU.
 */
import type * as K8s from "./k8s/k8s.d.ts";
import type * as Kubevirt from "./kubevirt/kubevirt.d.ts";
import type * as Kwok from "./kwok/kwok.d.ts";
import type * as Http from "./http/http.d.ts";

declare const jsonOf: unique symbol;
/**
 * JSON text of a `T` (the receiving side parses it). The phantom property exists for the type checker only: it carries
 * `T`, and a plain string is not a JsonText, so what is sent is encoded from the declared type (guest-host.ts jsonText).
 */
export type JsonText<T> = string & { readonly [jsonOf]: T };

/** A module's options as JSON text, or undefined when the scenario passed none. */
type Options<T> = JsonText<NonNullable<T>> | undefined;

/** An undecoded Kubernetes reply as one number, `bytes * 1000 + status`: the hot path parses nothing. */
export type EncodedReply = number;

/** A decoded Kubernetes reply: the status, the bytes and the object the server answered with. */
export interface ReplyJson {
  readonly status: number;
  readonly bytes: number;
  readonly body: K8s.KubeObject | null;
}

/** A decoded (or paginated) list: the pages as the server sent them, or only the pagination state when undecoded. */
export interface ListReplyJson {
  readonly status: number;
  readonly bytes: number;
  readonly pageCount?: number;
  readonly resourceVersion?: string;
  readonly continue?: string;
  readonly remainingItemCount?: number;
  readonly pages?: ReadonlyArray<{ kind?: string; apiVersion?: string; metadata?: K8s.ListResult["metadata"]; items?: K8s.KubeObject[] }>;
}

/** What `kubevirt.create` reads: the options of every create function of loadgen/kubevirt. */
export type KubevirtCreateOptions = NonNullable<Parameters<typeof Kubevirt.createVM>[0] & Parameters<typeof Kubevirt.createVMIReplicaSet>[0]>;

/**
 * An HTTP response as one number, so the hot path decodes nothing: `id * 1000 + status` when an answer came, and
 * `-(id * 10000 + error_code)` when none did. Everything else is read by id (`http.response`, `http.body`), within the
 * iteration that made the request.
 */
export type EncodedResponse = number;

/** Params as they cross: the jar by its id, the response callback's statuses, and how the body is encoded. */
export interface HttpParamsWire extends Omit<Http.Params, "jar" | "responseCallback"> {
  jar?: number | null;
  responseCallback?: Http.ExpectedStatuses | null;
  /** The body is bytes, sent as latin1 text. */
  binaryBody?: boolean;
}

/** What `http.response(id, "meta")` answers. */
export interface HttpResponseMeta {
  status_text: string;
  proto: string;
  url: string;
  method: string;
  error: string;
  /** blocked, connecting, tls_handshaking, sending, waiting, receiving, duration. */
  timings: [number, number, number, number, number, number, number];
}

/** The module options the shim applies itself (batch limits, throw). */
export interface HttpGuestOptions {
  batch: number;
  batchPerHost: number;
  throw: boolean;
}

/** The metric types of `loadgen/metrics`. */
export type MetricKind = "counter" | "gauge" | "rate" | "trend";

/** What `execution.info(section, name)` answers, by section and field (`tags` and `options` as JSON text). */
export interface ExecutionFields {
  vu: { idInTest: number; idInInstance: number; iterationInScenario: number; iterationInInstance: number; tags: JsonText<Record<string, string>> };
  scenario: { name: string; executor: string; startTime: number; progress: number; iterationInTest: number };
  instance: { vusActive: number; vusInitialized: number; iterationsCompleted: number; currentTestRunDuration: number };
  test: { options: JsonText<Record<string, unknown>> };
}

/** Synchronous host functions: `__loadgen.sync(name)`. */
export interface SyncHostCalls {
  "loadgen.check": (name: string, ok: boolean, tags: Options<Record<string, string>>) => undefined;
  /** Returns the parent group path, to pass back to groupLeave. */
  "loadgen.groupEnter": (name: string) => string;
  "loadgen.groupLeave": (parent: string, elapsedMs: number) => undefined;
  /**
   * Bound by the `open()` global (runtime/vu/guest-globals.ts); binary files come back as base64 text (a string
   * crosses into the VU as a C string, so a NUL byte would end it), which the global decodes.
   */
  "loadgen.open": (path: string, mode: "r" | "b") => string;

  "metrics.register": (name: string, type: MetricKind, isTime: boolean) => number;
  "metrics.add": (id: number, value: number, tags: Options<Record<string, string>>) => undefined;

  "execution.info": <S extends keyof ExecutionFields, N extends keyof ExecutionFields[S]>(section: S, name: N) => ExecutionFields[S][N];
  "execution.abort": (reason: string) => undefined;

  "k8s.info": () => JsonText<{ runId: string; runLabel: string; scenarioLabel: string; runSelector: string }>;
  "k8s.render": (template: string, vars: Options<Record<string, unknown>>) => JsonText<K8s.KubeObject[]>;

  "kubevirt.info": () => JsonText<{ runId: string; runSelector: string; templates: string[] }>;
  "kubevirt.template": (name: string) => string;
  "kubevirt.vmis": (options: Options<Kubevirt.VmisOptions>) => JsonText<Kubevirt.VmiInfo[]>;

  "kwok.info": () => JsonText<{ poolLabel: string; kwokAnnotation: string; kwokTaint: Kwok.Taint; controllerNamespace: string }>;

  /** Valid once the options are resolved (the first request, not the init context). */
  "http.info": () => JsonText<HttpGuestOptions>;
  "http.response": <P extends "meta" | "headers" | "cookies">(id: number, part: P) => JsonText<{ meta: HttpResponseMeta; headers: Record<string, string>; cookies: Record<string, Http.ResponseCookie[]> }[P]>;
  /** The body as text, or (`binary`) as latin1 text of its bytes; null when it was not kept. */
  "http.body": (id: number, type: "text" | "binary") => string | null;
  "http.setResponseCallback": (expected: JsonText<Http.ExpectedStatuses | null>) => undefined;
  /** Returns a new jar's id (0 is the VU's own jar). */
  "http.jarNew": () => number;
  "http.jarSet": (jar: number, url: string, cookie: JsonText<Http.CookieOptions & { name: string; value: string }>) => undefined;
  "http.jarCookies": (jar: number, url: string) => JsonText<Record<string, string[]>>;
  /** Removes the jar's cookies for `url` (only `name`, when given). */
  "http.jarClear": (jar: number, url: string, name: string | undefined) => undefined;
}

/** Synchronous host functions taking any number of arguments: `__loadgen.variadic(name)`. */
export interface VariadicHostCalls {
  /** Bound by the `console` global (runtime/vu/guest-globals.ts). */
  "loadgen.console": (level: string, ...args: unknown[]) => undefined;
}

/** Asynchronous host functions: `__loadgen.async(name)`; the guest gets a promise of the result. */
export interface AsyncHostCalls {
  "loadgen.sleep": (seconds: number) => undefined;

  "k8s.list": (resource: string, options: Options<K8s.ListOptions>) => EncodedReply | JsonText<ListReplyJson>;
  "k8s.get": (resource: string, name: string, options: Options<K8s.GetOptions>) => EncodedReply | JsonText<ReplyJson>;
  /** `object`: JSON or YAML text (a template when `vars` is given). */
  "k8s.create": (object: string, options: Options<K8s.WriteOptions>) => EncodedReply | JsonText<ReplyJson>;
  "k8s.update": (object: string, options: Options<K8s.WriteOptions>) => EncodedReply | JsonText<ReplyJson>;
  "k8s.apply": (object: string, options: Options<K8s.WriteOptions>) => EncodedReply | JsonText<ReplyJson>;
  /** `patch`: JSON text, or YAML for an apply patch. */
  "k8s.patch": (resource: string, name: string, patch: string, options: Options<K8s.PatchOptions>) => EncodedReply | JsonText<ReplyJson>;
  "k8s.delete": (resource: string, name: string, options: Options<K8s.DeleteOptions>) => EncodedReply | JsonText<ReplyJson>;
  "k8s.deleteCollection": (resource: string, options: Options<K8s.DeleteOptions>) => EncodedReply | JsonText<ReplyJson>;
  /** Returns the watch's id for watchNext and watchClose. */
  "k8s.watchOpen": (resource: string, options: Options<K8s.WatchOptions>) => number;
  /** The events that arrive within `maxWaitMs` (possibly none). */
  "k8s.watchNext": (id: number, maxWaitMs: number) => JsonText<K8s.WatchEvent[]>;
  "k8s.watchClose": (id: number) => undefined;
  /** Returns the replica watch's id. */
  "k8s.watchReplicas": (workload: string, options: Options<K8s.WatchReplicasOptions>) => string;
  /** The timeline so far; with `stop`, after stopping the watch. */
  "k8s.replicaTimeline": (id: string, stop: boolean) => JsonText<K8s.ScalingTimeline>;

  /** `kind` undefined: whatever the template renders; `template`: a built-in name or YAML text (undefined: the kind's). */
  "kubevirt.create": (kind: string | undefined, template: string | undefined, options: Options<KubevirtCreateOptions>) => JsonText<Kubevirt.Created>;
  /** Returns the HTTP status of the PATCH. */
  "kubevirt.runStrategy": (name: string, strategy: "Always" | "Halted", options: Options<Kubevirt.ObjectOptions>) => number;
  "kubevirt.restart": (name: string, options: Options<Kubevirt.ObjectOptions>) => number;
  "kubevirt.delete": (kind: string, name: string, options: Options<Kubevirt.ObjectOptions>) => number;
  /** Returns how many were deleted. */
  "kubevirt.deleteAll": (kind: string, options: Options<Kubevirt.SelectionOptions>) => number;
  "kubevirt.waitForPhase": (phase: Kubevirt.Phase, options: Options<Kubevirt.WaitForPhaseOptions>) => JsonText<Kubevirt.WaitForPhaseResult>;
  "kubevirt.waitForDeleted": (kind: string, options: Options<Kubevirt.SelectionOptions>) => JsonText<Kubevirt.WaitForDeletedResult>;
  /** Returns the namespace's name. */
  "kubevirt.createNamespace": (name: string | undefined, options: Options<Kubevirt.NamespaceOptions>) => string;
  /** Returns false when the namespace was still there at the timeout. */
  "kubevirt.deleteNamespace": (name: string, options: Options<Kubevirt.DeleteNamespaceOptions>) => boolean;
  "kubevirt.resync": () => undefined;

  "kwok.addNodePool": (name: string, options: Options<Kwok.NodePoolOptions>) => JsonText<Kwok.AddedNodePool>;
  "kwok.deleteNodePool": (name: string, options: Options<Kwok.DeleteNodePoolOptions>) => JsonText<Kwok.DeletedNodePool>;
  "kwok.listNodePools": () => JsonText<Kwok.NodePool[]>;
  /** Returns the tracker's id. */
  "kwok.trackPodStartup": (options: Options<Kwok.TrackOptions>) => string;
  /** With `waitFor`: once at least that many pods are running (past `timeout`, a WaitTimeout error). */
  "kwok.podStartupStats": (id: string, options: Options<Kwok.WaitOptions & { waitFor?: number }>) => JsonText<Kwok.PodStartupStats>;
  "kwok.stopPodStartup": (id: string) => JsonText<Kwok.PodStartupStats>;

  /** `body`: text, or latin1 text of bytes with `binaryBody`. */
  "http.request": (method: string, url: string, body: string | undefined, params: Options<HttpParamsWire>) => EncodedResponse;
}

type SyncOrVariadic = SyncHostCalls & VariadicHostCalls;

/** A value as it crosses the VU boundary (host-module.ts's HostValue: this file stays free of host imports). */
type Crossing = string | number | boolean | null | undefined;
/** The same arguments, each as whatever a guest may pass: a scenario can reach `__loadgen` itself. */
type AsReceived<A extends unknown[]> = { [I in keyof A]: Crossing };

/**
 * The host tables that serve the calls whose names start with `Prefix`, for a host binding to check its tables with
 * (`{ sync: {...}, async: {...} } satisfies HostFunctions<"k8s.", VuContext>`): exactly the declared names, no more
 * arguments than declared, and the declared results. Arguments arrive as plain boundary values, not the declared
 * types, because a scenario can call `__loadgen` directly: the host validates what it gets. `Vu` is the host's
 * VuContext (this file stays free of host imports so the guest's type check needs no Node types).
 */
export type HostFunctions<Prefix extends string, Vu> = Table<"sync", SyncFunctions<Prefix, Vu>> & Table<"async", AsyncFunctions<Prefix, Vu>>;

type SyncFunctions<Prefix extends string, Vu> = {
  readonly [N in Extract<keyof SyncOrVariadic, `${Prefix}${string}`>]: (vu: Vu, ...args: AsReceived<Parameters<SyncOrVariadic[N]>>) => ReturnType<SyncOrVariadic[N]>;
};
type AsyncFunctions<Prefix extends string, Vu> = {
  readonly [N in Extract<keyof AsyncHostCalls, `${Prefix}${string}`>]: (vu: Vu, ...args: AsReceived<Parameters<AsyncHostCalls[N]>>) => Promise<ReturnType<AsyncHostCalls[N]>>;
};
/** `{ sync: Functions }`, or an optional key when the module declares no function of that kind. */
type Table<Key extends string, Functions> = {} extends Functions ? { readonly [K in Key]?: Functions } : { readonly [K in Key]: Functions };
