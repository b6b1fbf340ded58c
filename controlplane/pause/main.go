// Command pause is the pod sandbox's placeholder process, like
// registry.k8s.io/pause (build/pause/linux/pause.c): it sleeps until SIGINT or
// SIGTERM and, as PID 1 of a pod's shared PID namespace, reaps orphans. A Go
// program of loadgen's own, so the sandbox image needs no registry.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if os.Getpid() != 1 {
		os.Stderr.WriteString("Warning: pause should be the first process\n")
	}
	signals := make(chan os.Signal, 8)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range signals {
		if s != syscall.SIGCHLD {
			os.Stderr.WriteString("Shutting down, got signal\n")
			os.Exit(0)
		}
		for {
			var status syscall.WaitStatus
			if pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil); pid <= 0 || err != nil {
				break
			}
		}
	}
}
