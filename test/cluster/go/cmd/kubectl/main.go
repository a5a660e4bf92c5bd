// Command kubectl is the test cluster's kubectl, a binary of its own for the tests' many calls: inside the multi-call
// binary each call also initialised the whole control plane's packages, about twice the CPU.
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
