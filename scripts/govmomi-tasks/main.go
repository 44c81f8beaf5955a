// Command govmomi-tasks lists a vCenter's recent tasks the way `govc tasks` does, through
// govmomi's view.CreateTaskView (a ListView reset to TaskManager.recentTask, then a
// WaitForUpdatesEx filter on Task.info through the view), for taskgraph's vendor-client tests
// against its vim25 simulator. Built by build.sh in GOPATH mode against Debian's
// golang-github-vmware-govmomi-dev, as scripts/vcsim is.
//
// Prints one JSON object: the API version the client chose and the tasks, newest last.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

type task struct {
	Key           string `json:"key"`
	State         string `json:"state"`
	DescriptionID string `json:"descriptionId"`
	Entity        string `json:"entity,omitempty"`
	EntityName    string `json:"entityName,omitempty"`
}

func fail(what string, err error) {
	fmt.Fprintf(os.Stderr, "govmomi-tasks: %s: %v\n", what, err)
	os.Exit(1)
}

func main() {
	rawURL := flag.String("url", "", "SDK URL, e.g. https://127.0.0.1:8989/sdk")
	caFile := flag.String("ca", "", "PEM file of the CA to trust (certificate verification stays on)")
	user := flag.String("user", "", "user name")
	password := flag.String("password", "", "password")
	timeout := flag.Duration("timeout", 30*time.Second, "give up after this long")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	u, err := url.Parse(*rawURL)
	if err != nil {
		fail("url", err)
	}
	sc := soap.NewClient(u, false)
	if *caFile != "" {
		if err := sc.SetRootCAs(*caFile); err != nil {
			fail("ca", err)
		}
	}
	c, err := vim25.NewClient(ctx, sc)
	if err != nil {
		fail("connect", err)
	}
	// As govc does: pick the API version from /sdk/vimServiceVersions.xml.
	if err := c.UseServiceVersion(); err != nil {
		fail("service version", err)
	}
	sm := session.NewManager(c)
	if err := sm.Login(ctx, url.UserPassword(*user, *password)); err != nil {
		fail("login", err)
	}
	defer func() { _ = sm.Logout(context.Background()) }()

	m := view.NewManager(c)
	v, err := m.CreateTaskView(ctx, c.ServiceContent.TaskManager)
	if err != nil {
		fail("CreateTaskView", err)
	}
	defer func() { _ = v.Destroy(context.Background()) }()

	var tasks []task
	err = v.Collect(ctx, func(infos []types.TaskInfo) {
		for _, info := range infos {
			t := task{Key: info.Key, State: string(info.State), DescriptionID: info.DescriptionId, EntityName: info.EntityName}
			if info.Entity != nil {
				t.Entity = info.Entity.Value
			}
			tasks = append(tasks, t)
		}
	})
	if err != nil {
		fail("Collect", err)
	}
	out, _ := json.Marshal(map[string]interface{}{"version": c.Version, "tasks": tasks})
	fmt.Println(string(out))
}
