// Command etcd is etcd's own server main (go.etcd.io/etcd/server/v3/etcdmain),
// built through the Go module proxy.
//
// Why a wrapper module: etcd's server/go.mod carries `replace` lines pointing
// at sibling directories, so `go install go.etcd.io/etcd/server/v3@v3.6.x`
// is refused. As a dependency those replaces are ignored and the published
// api/client/pkg modules at the same tag are used instead.
//
// Why etcd 3.6 and not Debian's 3.4.23: kube-apiserver disables
// RequestWatchProgress for etcd < 3.4.31, which breaks WatchList streams and
// consistent reads from the watch cache, so a load test would not see what a
// real cluster does.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
