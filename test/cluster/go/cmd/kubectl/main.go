// Command kubectl is kubectl alone, for the tests' many calls: the multi-call binary also initialises the whole
// control plane's packages at every start, which costs each call about twice the CPU.
package main

import (
	"k8s.io/component-base/cli"
	kubectlcmd "k8s.io/kubectl/pkg/cmd"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
)

func main() {
	c := kubectlcmd.NewDefaultKubectlCommand()
	if err := cli.RunNoErrOutput(c); err != nil {
		cmdutil.CheckErr(err)
	}
}
