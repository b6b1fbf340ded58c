// Command kubelet is k8s.io/kubernetes/cmd/kubelet at the pinned tag (a copy
// of upstream cmd/kubelet/kubelet.go), built through the Go module proxy. It
// runs the local cluster's one real node (runtime/cluster/kubelet.ts).
package main

import (
	"context"
	"os"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // --logging-format=json
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go metrics
	_ "k8s.io/component-base/metrics/prometheus/version"  // version metric
	"k8s.io/kubernetes/cmd/kubelet/app"
)

func main() {
	os.Exit(cli.Run(app.NewKubeletCommand(context.Background())))
}
