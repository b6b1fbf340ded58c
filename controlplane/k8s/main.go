// Command kubernetes is a multi-call binary holding kube-apiserver,
// kube-controller-manager and kube-scheduler from the k8s.io/kubernetes
// module, built through the Go module proxy (no Kubernetes checkout needed).
//
// It dispatches on the base name of argv[0], like the old hyperkube: the
// loadgen build links it once (one ~10 min link instead of three) and
// symlinks the three command names to it. Each branch is a copy of the
// upstream main in cmd/<name>/ at the pinned tag.
//
// `kubernetes <command> [flags]` also works, for running it by hand.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	_ "time/tzdata" // CronJob time zones, as upstream kube-apiserver/KCM do

	"github.com/spf13/cobra"
	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // --logging-format=json
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go metrics
	_ "k8s.io/component-base/metrics/prometheus/version"  // version metric

	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
)

var commands = map[string]func() *cobra.Command{
	"kube-apiserver":          func() *cobra.Command { return apiserver.NewAPIServerCommand() },
	"kube-controller-manager": func() *cobra.Command { return controllermanager.NewControllerManagerCommand() },
	"kube-scheduler":          func() *cobra.Command { return scheduler.NewSchedulerCommand() },
}

func main() {
	name := filepath.Base(os.Args[0])
	if _, ok := commands[name]; !ok && len(os.Args) > 1 {
		// Called as `kubernetes kube-apiserver …`: shift the command name
		// into argv[0] so cobra sees the same arguments as upstream.
		name = os.Args[1]
		os.Args = os.Args[1:]
	}
	newCommand, ok := commands[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "usage: kubernetes {kube-apiserver|kube-controller-manager|kube-scheduler} [flags]\n"+
			"(or run it through a symlink named after the command)\n")
		os.Exit(2)
	}
	os.Exit(cli.Run(newCommand()))
}
