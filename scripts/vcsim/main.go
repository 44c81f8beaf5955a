// Command vcsim runs VMware's vCenter simulator (govmomi's simulator package) on a loopback
// address for taskgraph's vsphere-soap integration tests. Built by build.sh in GOPATH mode
// against Debian's golang-github-vmware-govmomi-dev.
package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"syscall"

	"github.com/vmware/govmomi/simulator"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "host:port to listen on (loopback)")
	username := flag.String("username", "", "accepted user name (empty: any non-empty credentials)")
	password := flag.String("password", "", "accepted password")
	idle := flag.Duration("idle-timeout", 0, "expire sessions idle this long (0: never)")
	flag.Parse()

	simulator.SessionIdleTimeout = *idle
	model := simulator.VPX()
	if err := model.Create(); err != nil {
		fmt.Fprintln(os.Stderr, "vcsim: create model:", err)
		os.Exit(1)
	}
	model.Service.Listen = &url.URL{Host: *listen}
	if *username != "" {
		model.Service.Listen.User = url.UserPassword(*username, *password)
	}
	server := model.Service.NewServer()
	u := *server.URL
	u.User = nil
	fmt.Printf("VCSIM_URL=%s\n", u.String())

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	<-signals
	server.Close()
	model.Remove()
}
