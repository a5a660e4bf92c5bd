// Command kube is the test cluster's one multi-call binary: the Kubernetes control plane, kube-proxy and etcd from
// their pinned modules, and the node agent that plays the kubelet (kubectl is a binary of its own: cmd/kubectl). The
// first argument picks the component before anything is constructed, because each command installs process-wide
// signal handlers.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"go.etcd.io/etcd/server/v3/etcdmain"
	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	proxy "k8s.io/kubernetes/cmd/kube-proxy/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: kube etcd|kube-apiserver|kube-controller-manager|kube-scheduler|kube-proxy|node-agent|container-init [args...]")
		os.Exit(2)
	}
	name, args := os.Args[1], os.Args[2:]
	var command func() *cobra.Command
	switch name {
	case "etcd":
		etcdmain.Main(append([]string{"etcd"}, args...))
		return
	case "node-agent":
		os.Exit(runNodeAgent(args))
	case "container-init":
		os.Exit(runContainerInit(args))
	case "stand-in-pages":
		os.Exit(runStandInPages(args))
	case "kube-apiserver":
		command = apiserver.NewAPIServerCommand
	case "kube-controller-manager":
		command = controllermanager.NewControllerManagerCommand
	case "kube-scheduler":
		command = func() *cobra.Command { return scheduler.NewSchedulerCommand() }
	case "kube-proxy":
		command = proxy.NewProxyCommand
	default:
		fmt.Fprintf(os.Stderr, "kube: unknown component %q\n", name)
		os.Exit(2)
	}
	c := command()
	c.SetArgs(args)
	os.Exit(cli.Run(c))
}
