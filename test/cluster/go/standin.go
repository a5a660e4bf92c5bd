package main

// Stand-in pages: a container of an image the agent does not know runs nothing (Interlok pods are such stand-ins),
// so nothing answers on its ports. A test that needs one to answer (Prometheus scraping Interlok 4.1+/5's
// `/prometheus/metrics`) writes the pages into <stateDir>/pages/<namespace>/<pod>/<path>; from then on the agent
// serves that directory on every port the pod's stand-in containers declare, inside the pod's network namespace,
// and reads each file at each request, so the test changes a page by rewriting it. Pods no test gave pages keep
// listening on nothing (other tests run listeners of their own there).

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"

	securejoin "github.com/cyphar/filepath-securejoin"
)

// serveStandInPages starts the pages' server of a pod once its directory exists.
func (rt *podRuntime) serveStandInPages() {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.standIn != nil || rt.stopping {
		return
	}
	dir := filepath.Join(rt.p.cfg.StateDir, "pages", rt.pod.Namespace, rt.pod.Name)
	if _, err := os.Stat(dir); err != nil {
		return
	}
	var ports []string
	for _, c := range rt.containers {
		if c.rule != nil {
			continue
		}
		for _, port := range c.spec.Ports {
			if port.Protocol == "" || port.Protocol == "TCP" {
				ports = append(ports, strconv.Itoa(int(port.ContainerPort)))
			}
		}
	}
	if len(ports) == 0 {
		return
	}
	cmd := exec.Command("ip", append([]string{"netns", "exec", rt.netns, rt.p.cfg.KubeBinary, "stand-in-pages", dir}, ports...)...)
	logFile, err := os.OpenFile(filepath.Join(rt.dir, "stand-in-pages.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "node-agent: stand-in pages of %s: %v\n", rt.key(), err)
		return
	}
	rt.standIn = cmd
	go func() { _ = cmd.Wait() }()
}

// runStandInPages: `kube stand-in-pages DIR PORT...`, run inside a pod's network namespace.
func runStandInPages(args []string) int {
	if len(args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: kube stand-in-pages DIR PORT...")
		return 2
	}
	dir := args[0]
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path, err := securejoin.SecureJoin(dir, r.URL.Path)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body, err := os.ReadFile(path)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		// the Prometheus text format, as Micrometer's scrape endpoint serves it
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		_, _ = w.Write(body)
	})
	errs := make(chan error, len(args)-1)
	for _, port := range args[1:] {
		l, err := net.Listen("tcp", ":"+port)
		if err != nil {
			fmt.Fprintln(os.Stderr, "stand-in-pages:", err)
			return 1
		}
		go func() { errs <- http.Serve(l, handler) }()
	}
	fmt.Fprintln(os.Stderr, "stand-in-pages: serving", dir, "on", args[1:])
	fmt.Fprintln(os.Stderr, "stand-in-pages:", <-errs)
	return 1
}
