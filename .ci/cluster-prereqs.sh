#!/usr/bin/env bash
# What the local control plane needs before `loadgen cluster up` can build
# and start it: a Go toolchain (>= 1.26, to build etcd, Kubernetes and kwok
# from their Go modules) and openssl (to generate the cluster's certificates).
# Idempotent: installs only what is missing. Called by .ci/run.
set -euo pipefail

if ! command -v openssl >/dev/null 2>&1; then
  echo "cluster-prereqs: installing openssl" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null
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
echo "cluster-prereqs: $ver at $GO, $(openssl version)" >&2
