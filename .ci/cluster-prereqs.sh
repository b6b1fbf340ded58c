#!/usr/bin/env bash
# What the local control plane needs before `loadgen cluster up` can build
# and start it: a Go toolchain (>= 1.26, to build etcd, Kubernetes, kwok and
# the real node's containerd and kubelet from their Go modules), openssl (to
# generate the cluster's certificates) and runc (the real node's OCI runtime:
# Debian's package). Idempotent: installs only what is missing. Called by .ci/run.
set -euo pipefail

missing=()
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
# runc is looked for where the real node looks (PATH, then Debian's /usr/sbin).
command -v runc >/dev/null 2>&1 || [ -x /usr/sbin/runc ] || missing+=(runc)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "cluster-prereqs: installing ${missing[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

GO="${LOADGEN_GO:-$(command -v go || echo /usr/local/go/bin/go)}"
if [ ! -x "$GO" ]; then
  echo "cluster-prereqs: no Go toolchain (looked for \$LOADGEN_GO, go on PATH, /usr/local/go/bin/go); install Go >= 1.26" >&2
  exit 1
fi
ver="$("$GO" env GOVERSION)"            # e.g. go1.26.8
minor="$(echo "$ver" | sed -E 's/^go1\.([0-9]+).*/\1/')"
if [ "$minor" -lt 26 ]; then
  echo "cluster-prereqs: $GO is $ver; the control-plane wrapper modules need Go >= 1.26" >&2
  exit 1
fi
runc_bin="$(command -v runc || echo /usr/sbin/runc)"
runc_version="$("$runc_bin" --version | head -1)"
echo "cluster-prereqs: $ver at $GO, $(openssl version), $runc_version" >&2
