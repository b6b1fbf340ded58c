#!/usr/bin/env bash
# Re-pins the Kubernetes wrapper modules (this one and ../kubelet, which must
# stay at the same release) to another Kubernetes release, e.g. ./bump.sh 1.36.4
#
# k8s.io/kubernetes requires its staging modules (k8s.io/api, k8s.io/apiserver,
# …) at v0.0.0 and resolves them with `replace => ./staging/…` lines that a
# dependent module ignores, so each module pins each one to v0.<minor>.<patch>.
# The list is read from k/k's own go.mod, so it follows the release.
# Then set KUBERNETES_VERSION in runtime/cluster/components.ts to match.
set -euo pipefail
K="${1:?usage: $0 1.36.4}"
S="v0.${K#1.}"
cd "$(dirname "$0")"
MOD="$(go mod download -json "k8s.io/kubernetes@v$K" | sed -nE 's/^\s*"GoMod": "(.*)",?$/\1/p')"
for dir in . ../kubelet; do
  (
    cd "$dir"
    for m in $(sed -nE 's/^replace (k8s\.io\/[^ ]+) =>.*/\1/p' go.mod); do go mod edit -dropreplace="$m"; done
    go mod edit -require="k8s.io/kubernetes@v$K"
    for m in $(awk '$1 ~ /^k8s\.io\// && $2 == "v0.0.0" {print $1}' "$MOD"); do
      go mod edit -replace="$m=$m@$S"
    done
    go mod tidy
  )
done
echo "pinned k8s.io/kubernetes v$K with staging modules at $S in controlplane/k8s and controlplane/kubelet; now set KUBERNETES_VERSION = \"v$K\" in runtime/cluster/components.ts" >&2
