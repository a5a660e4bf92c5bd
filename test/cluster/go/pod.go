package main

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

type podRuntime struct {
	p     *provider
	pod   *corev1.Pod
	index int
	ip    string
	netns string
	veth  string
	dir   string
	// hostNetwork: the pod runs in the node's namespace with the node's address, as a kubelet runs it
	hostNetwork bool

	mu          sync.Mutex
	inits       []*containerRuntime
	initialized bool
	containers  []*containerRuntime
	standIn     *exec.Cmd // the stand-in pages' server, once a test gave the pod pages (see serveStandInPages)
	started     metav1.Time
	stopping    bool
	done        chan struct{}
	tokens      map[string]time.Time // projected token file → when it was fetched

	// notifyMu keeps one pod's status snapshots in the order they were taken on their way to virtual-kubelet (see
	// provider.changed)
	notifyMu sync.Mutex

	hostsMu      sync.Mutex
	hosts        string // the Services' lines in the pod's hosts file
	hostsWritten bool
}

type containerRuntime struct {
	spec     corev1.Container
	rule     *imageRule // nil: a stand-in, runs nothing
	cmd      *exec.Cmd
	exited   chan struct{}
	restarts int32
	running  bool
	ready    bool
	since    metav1.Time
	last     *corev1.ContainerStateTerminated
	stopped  bool
}

func newPodRuntime(p *provider, pod *corev1.Pod, index int) (*podRuntime, error) {
	rt := &podRuntime{
		p: p, pod: pod, index: index,
		netns:  fmt.Sprintf("%s-p%d", p.cfg.NetnsPrefix, index),
		veth:   fmt.Sprintf("%sv%d", shortPrefix(p.cfg.NetnsPrefix), index),
		dir:    p.podDir(string(pod.UID)),
		done:   make(chan struct{}),
		tokens: map[string]time.Time{},
	}
	if pod.Spec.HostNetwork {
		rt.hostNetwork, rt.netns, rt.ip = true, p.cfg.NodeNetns, p.cfg.NodeIP
	} else {
		ip, err := podIP(p.cfg.PodCIDR, index)
		if err != nil {
			return nil, err
		}
		rt.ip = ip
	}
	if err := os.MkdirAll(filepath.Join(rt.dir, "volumes"), 0o755); err != nil {
		return nil, err
	}
	if err := rt.setupNetwork(); err != nil {
		rt.teardownNetwork()
		return nil, fmt.Errorf("network of %s: %w", rt.key(), err)
	}
	_ = os.WriteFile(filepath.Join(rt.dir, "netns"), []byte(rt.netns+"\n"), 0o644)
	// the pod's netns by its name, for `npm run cluster -- exec <namespace>/<pod>`
	byName := filepath.Join(p.cfg.StateDir, "netns", pod.Namespace)
	_ = os.MkdirAll(byName, 0o755)
	_ = os.WriteFile(filepath.Join(byName, pod.Name), []byte(rt.netns+"\n"), 0o644)
	rt.writeHosts(p.currentHosts())
	if err := rt.projectVolumes(true); err != nil {
		fmt.Fprintf(os.Stderr, "node-agent: volumes of %s: %v\n", rt.key(), err)
	}
	for _, c := range pod.Spec.InitContainers {
		rt.inits = append(rt.inits, &containerRuntime{spec: c, rule: p.imageFor(c.Image)})
	}
	for _, c := range pod.Spec.Containers {
		rt.containers = append(rt.containers, &containerRuntime{spec: c, rule: p.imageFor(c.Image)})
	}
	return rt, nil
}

func (rt *podRuntime) key() string { return podKey(rt.pod.Namespace, rt.pod.Name) }

func shortPrefix(prefix string) string {
	if len(prefix) > 8 {
		return prefix[len(prefix)-8:]
	}
	return prefix
}

func podIP(cidr string, index int) (string, error) {
	_, network, err := net.ParseCIDR(cidr)
	if err != nil {
		return "", err
	}
	ip := network.IP.To4()
	if ip == nil {
		return "", fmt.Errorf("pod CIDR %s is not IPv4", cidr)
	}
	n := uint32(ip[0])<<24 | uint32(ip[1])<<16 | uint32(ip[2])<<8 | uint32(ip[3])
	n += uint32(index)
	out := net.IPv4(byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	if !network.Contains(out) {
		return "", fmt.Errorf("pod CIDR %s is full", cidr)
	}
	return out.String(), nil
}

func run(name string, args ...string) error {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// setupNetwork: a namespace per pod, joined to the node's by a veth pair and routed (not bridged) through it, so
// that every pod has its own ports and the node's firewall sees pod-to-pod traffic.
func (rt *podRuntime) setupNetwork() error {
	if rt.hostNetwork {
		return nil
	}
	ns, veth, ip := rt.netns, rt.veth, rt.ip
	steps := [][]string{
		{"ip", "netns", "add", ns},
		{"ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns},
		{"ip", "-n", ns, "link", "set", "lo", "up"},
		{"ip", "-n", ns, "addr", "add", ip + "/32", "dev", "eth0"},
		{"ip", "-n", ns, "link", "set", "eth0", "up"},
		{"ip", "-n", ns, "route", "add", "169.254.1.1", "dev", "eth0"},
		{"ip", "-n", ns, "route", "add", "default", "via", "169.254.1.1", "dev", "eth0"},
		{"sysctl", "-q", "-w", "net.ipv4.conf." + veth + ".proxy_arp=1"},
		{"ip", "link", "set", veth, "up"},
		{"ip", "route", "add", ip + "/32", "dev", veth},
	}
	for _, s := range steps {
		if err := run(s[0], s[1:]...); err != nil {
			return err
		}
	}
	return nil
}

func (rt *podRuntime) teardownNetwork() {
	if !rt.hostNetwork {
		_ = run("ip", "link", "del", rt.veth)
		_ = run("ip", "netns", "del", rt.netns)
	}
	_ = os.Remove(filepath.Join(rt.p.cfg.StateDir, "netns", rt.pod.Namespace, rt.pod.Name))
}

// writeHosts writes the pod's hosts file when its Services' lines differ from `services`. The refresh loop calls it
// for every pod every 2 s: a pod that was being created while the Services changed had written the older lines
// after the loop wrote the newer ones to the pods it knew, and kept them (an adapter replica that never resolved
// Prometheus's Service, its relists failing for good, while the other one served).
func (rt *podRuntime) writeHosts(services string) {
	rt.hostsMu.Lock()
	defer rt.hostsMu.Unlock()
	if rt.hostsWritten && rt.hosts == services {
		return
	}
	writeInPlace(filepath.Join(rt.dir, "hosts"), fmt.Sprintf("127.0.0.1\tlocalhost\n::1\tlocalhost\n%s\t%s\n%s",
		rt.ip, rt.pod.Name, services))
	rt.hosts, rt.hostsWritten = services, true
}

// projectVolumes writes each volume's files as the API server has them now. first: also emptyDirs.
func (rt *podRuntime) projectVolumes(first bool) error {
	var errs []string
	for _, v := range rt.pod.Spec.Volumes {
		dir := filepath.Join(rt.dir, "volumes", v.Name)
		if err := os.MkdirAll(dir, 0o777); err != nil {
			return err
		}
		files := map[string][]byte{}
		var err error
		switch {
		case v.EmptyDir != nil:
			continue
		case v.ConfigMap != nil:
			err = rt.configMapFiles(v.ConfigMap.Name, v.ConfigMap.Items, v.ConfigMap.Optional, files)
		case v.Secret != nil:
			err = rt.secretFiles(v.Secret.SecretName, v.Secret.Items, v.Secret.Optional, files)
		case v.Projected != nil:
			for _, src := range v.Projected.Sources {
				switch {
				case src.ConfigMap != nil:
					err = rt.configMapFiles(src.ConfigMap.Name, src.ConfigMap.Items, src.ConfigMap.Optional, files)
				case src.Secret != nil:
					err = rt.secretFiles(src.Secret.Name, src.Secret.Items, src.Secret.Optional, files)
				case src.DownwardAPI != nil:
					for _, item := range src.DownwardAPI.Items {
						if item.FieldRef != nil {
							files[item.Path] = []byte(rt.fieldValue(item.FieldRef.FieldPath))
						}
					}
				case src.ServiceAccountToken != nil:
					err = rt.tokenFile(dir, src.ServiceAccountToken, files)
				}
				if err != nil {
					break
				}
			}
		default:
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Sprintf("volume %s: %v", v.Name, err))
			continue
		}
		if v.Secret != nil || v.ConfigMap != nil {
			// as the kubelet writes them: what watches them (prometheus-config-reloader) sees one change, when the
			// content changes, and never a half-written volume
			if err := atomicWrite(dir, files); err != nil {
				errs = append(errs, fmt.Sprintf("volume %s: %v", v.Name, err))
			}
			continue
		}
		for name, content := range files {
			if content == nil {
				continue // a token that is still fresh
			}
			path := filepath.Join(dir, name)
			_ = os.MkdirAll(filepath.Dir(path), 0o755)
			tmp := path + ".tmp"
			if err := os.WriteFile(tmp, content, 0o644); err != nil {
				return err
			}
			if err := os.Rename(tmp, path); err != nil {
				return err
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

// atomicWrite lays a volume out as the kubelet's AtomicWriter does: the files in a directory named after their
// content, `..data` a symlink to it (swapped by a rename when the content changes, else left alone), and each
// top-level name a symlink into `..data`.
func atomicWrite(dir string, files map[string][]byte) error {
	keys := make([]string, 0, len(files))
	for k := range files {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(h, "%s\x00%d\x00", k, len(files[k]))
		h.Write(files[k])
	}
	gen := "..gen-" + hex.EncodeToString(h.Sum(nil))[:16]
	data := filepath.Join(dir, "..data")
	if cur, err := os.Readlink(data); err == nil && cur == gen {
		return nil
	}
	genDir := filepath.Join(dir, gen)
	_ = os.RemoveAll(genDir)
	tops := map[string]bool{}
	for _, k := range keys {
		path := filepath.Join(genDir, k)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, files[k], 0o644); err != nil {
			return err
		}
		tops[strings.SplitN(k, "/", 2)[0]] = true
	}
	if len(keys) == 0 {
		if err := os.MkdirAll(genDir, 0o755); err != nil {
			return err
		}
	}
	tmp := filepath.Join(dir, "..data_tmp")
	_ = os.Remove(tmp)
	if err := os.Symlink(gen, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, data); err != nil {
		return err
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		name := e.Name()
		switch {
		case name == "..data" || name == gen:
		case strings.HasPrefix(name, ".."):
			_ = os.RemoveAll(filepath.Join(dir, name))
		case !tops[name]:
			_ = os.RemoveAll(filepath.Join(dir, name))
		}
	}
	for top := range tops {
		link := filepath.Join(dir, top)
		want := filepath.Join("..data", top)
		if cur, err := os.Readlink(link); err == nil && cur == want {
			continue
		}
		_ = os.RemoveAll(link)
		if err := os.Symlink(want, link); err != nil {
			return err
		}
	}
	return nil
}

func (rt *podRuntime) configMapFiles(name string, items []corev1.KeyToPath, optional *bool, files map[string][]byte) error {
	cm, err := rt.p.lister.ConfigMaps.ConfigMaps(rt.pod.Namespace).Get(name)
	if err != nil {
		return unlessOptional(err, optional)
	}
	data := map[string][]byte{}
	for k, v := range cm.Data {
		data[k] = []byte(v)
	}
	for k, v := range cm.BinaryData {
		data[k] = v
	}
	return keysToFiles(data, items, files)
}

func (rt *podRuntime) secretFiles(name string, items []corev1.KeyToPath, optional *bool, files map[string][]byte) error {
	s, err := rt.p.lister.Secrets.Secrets(rt.pod.Namespace).Get(name)
	if err != nil {
		return unlessOptional(err, optional)
	}
	return keysToFiles(s.Data, items, files)
}

// unlessOptional: a missing optional ConfigMap or Secret is an empty volume, as the kubelet makes it.
func unlessOptional(err error, optional *bool) error {
	if optional != nil && *optional {
		return nil
	}
	return err
}

func keysToFiles(data map[string][]byte, items []corev1.KeyToPath, files map[string][]byte) error {
	if len(items) == 0 {
		for k, v := range data {
			files[k] = v
		}
		return nil
	}
	for _, item := range items {
		v, ok := data[item.Key]
		if !ok {
			return fmt.Errorf("key %s not found", item.Key)
		}
		files[item.Path] = v
	}
	return nil
}

func (rt *podRuntime) fieldValue(path string) string {
	switch path {
	case "metadata.namespace":
		return rt.pod.Namespace
	case "metadata.name":
		return rt.pod.Name
	case "metadata.uid":
		return string(rt.pod.UID)
	case "spec.serviceAccountName":
		return rt.pod.Spec.ServiceAccountName
	case "spec.nodeName":
		return rt.pod.Spec.NodeName
	case "status.podIP":
		return rt.ip
	}
	return ""
}

// tokenFile asks the TokenRequest API for a token bound to this pod, as the kubelet does for a projected
// serviceAccountToken; it is fetched again at 80% of its life.
func (rt *podRuntime) tokenFile(dir string, src *corev1.ServiceAccountTokenProjection, files map[string][]byte) error {
	expiration := int64(3600)
	if src.ExpirationSeconds != nil {
		expiration = *src.ExpirationSeconds
	}
	path := filepath.Join(dir, src.Path)
	rt.mu.Lock()
	fetched, ok := rt.tokens[path]
	rt.mu.Unlock()
	if ok && time.Since(fetched) < time.Duration(expiration)*time.Second*8/10 {
		files[src.Path] = nil
		return nil
	}
	req := &authv1.TokenRequest{Spec: authv1.TokenRequestSpec{
		ExpirationSeconds: &expiration,
		BoundObjectRef:    &authv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: rt.pod.Name, UID: rt.pod.UID},
	}}
	if src.Audience != "" {
		req.Spec.Audiences = []string{src.Audience}
	}
	sa := rt.pod.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := rt.p.client.CoreV1().ServiceAccounts(rt.pod.Namespace).CreateToken(ctx, sa, req, metav1.CreateOptions{})
	if err != nil {
		return err
	}
	files[src.Path] = []byte(out.Status.Token)
	rt.mu.Lock()
	rt.tokens[path] = time.Now()
	rt.mu.Unlock()
	return nil
}

func (rt *podRuntime) start() {
	rt.mu.Lock()
	rt.started = metav1.Now()
	rt.mu.Unlock()
	if len(rt.inits) == 0 {
		rt.startContainers()
		return
	}
	rt.p.changed(rt)
	go func() {
		if rt.runInits() {
			rt.startContainers()
		}
	}()
}

// runInits runs the init containers one after the other, each to a successful exit (again after a failure, with a
// kubelet-like back-off), as the kubelet does for a pod whose restartPolicy is Always; false if the pod is stopped
// first. An init container of an image the agent does not know completes at once.
func (rt *podRuntime) runInits() bool {
	for _, c := range rt.inits {
		backoff := time.Second
		for {
			rt.mu.Lock()
			stopping := rt.stopping
			rt.mu.Unlock()
			if stopping {
				return false
			}
			if c.rule == nil {
				rt.mu.Lock()
				c.last = &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed", StartedAt: metav1.Now(), FinishedAt: metav1.Now()}
				rt.mu.Unlock()
				break
			}
			if err := rt.projectVolumes(false); err != nil {
				fmt.Fprintf(os.Stderr, "node-agent: volumes of %s: %v\n", rt.key(), err)
			}
			startedAt := metav1.Now()
			cmd, err := rt.containerCommand(c, c.argv())
			if err == nil {
				err = cmd.Start()
			}
			code := int32(128)
			if err == nil {
				exited := make(chan struct{})
				rt.mu.Lock()
				c.cmd, c.exited, c.running, c.since = cmd, exited, true, startedAt
				rt.mu.Unlock()
				rt.p.changed(rt)
				err = cmd.Wait()
				close(exited)
				code = 0
				if ee, ok := err.(*exec.ExitError); ok {
					code = int32(ee.ExitCode())
				} else if err != nil {
					code = 128
				}
			}
			rt.mu.Lock()
			c.running, c.cmd = false, nil
			c.last = &corev1.ContainerStateTerminated{ExitCode: code, Reason: reasonFor(code), StartedAt: startedAt, FinishedAt: metav1.Now()}
			if code != 0 {
				c.restarts++
			}
			rt.mu.Unlock()
			rt.p.changed(rt)
			if code == 0 {
				break
			}
			fmt.Fprintf(os.Stderr, "node-agent: init container %s/%s exited with %d; again\n", rt.key(), c.spec.Name, code)
			select {
			case <-rt.done:
				return false
			case <-time.After(backoff):
			}
			if backoff < 10*time.Second {
				backoff *= 2
			}
		}
	}
	rt.mu.Lock()
	rt.initialized = true
	rt.mu.Unlock()
	return true
}

func (rt *podRuntime) startContainers() {
	rt.mu.Lock()
	rt.initialized = true
	rt.mu.Unlock()
	for _, c := range rt.containers {
		if c.rule == nil {
			rt.mu.Lock()
			c.running, c.ready, c.since = true, true, metav1.Now()
			rt.mu.Unlock()
			continue
		}
		go rt.supervise(c)
		if c.spec.ReadinessProbe != nil || c.spec.LivenessProbe != nil {
			go rt.probe(c)
		}
	}
	rt.p.changed(rt)
}

// supervise runs a container's process and starts it again when it exits, with a kubelet-like back-off.
func (rt *podRuntime) supervise(c *containerRuntime) {
	backoff := time.Second
	for {
		rt.mu.Lock()
		if rt.stopping {
			rt.mu.Unlock()
			return
		}
		rt.mu.Unlock()
		if err := rt.projectVolumes(false); err != nil {
			fmt.Fprintf(os.Stderr, "node-agent: volumes of %s: %v\n", rt.key(), err)
		}
		cmd, err := rt.containerCommand(c, c.argv())
		startedAt := metav1.Now()
		if err == nil {
			err = cmd.Start()
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "node-agent: %s/%s: %v\n", rt.key(), c.spec.Name, err)
			rt.mu.Lock()
			c.last = &corev1.ContainerStateTerminated{ExitCode: 128, Reason: "StartError", Message: err.Error(),
				StartedAt: startedAt, FinishedAt: metav1.Now()}
			c.restarts++
			rt.mu.Unlock()
		} else {
			exited := make(chan struct{})
			rt.mu.Lock()
			c.cmd, c.exited, c.running, c.ready, c.since = cmd, exited, true, c.spec.ReadinessProbe == nil, startedAt
			rt.mu.Unlock()
			rt.p.changed(rt)
			err = cmd.Wait()
			close(exited)
			code := int32(0)
			if ee, ok := err.(*exec.ExitError); ok {
				code = int32(ee.ExitCode())
			}
			rt.mu.Lock()
			c.running, c.ready, c.cmd = false, false, nil
			c.last = &corev1.ContainerStateTerminated{ExitCode: code, Reason: reasonFor(code), StartedAt: startedAt,
				FinishedAt: metav1.Now()}
			stopping := rt.stopping
			if !stopping {
				c.restarts++
			}
			rt.mu.Unlock()
			if stopping {
				return
			}
			fmt.Fprintf(os.Stderr, "node-agent: %s/%s exited with %d; restarting\n", rt.key(), c.spec.Name, code)
			if time.Since(startedAt.Time) > 10*time.Second {
				backoff = time.Second
			}
		}
		rt.p.changed(rt)
		select {
		case <-rt.done:
			return
		case <-time.After(backoff):
		}
		if backoff < 10*time.Second {
			backoff *= 2
		}
	}
}

func reasonFor(code int32) string {
	if code == 0 {
		return "Completed"
	}
	return "Error"
}

// argv: what a container runtime would exec. An image rule with a binary stands for the image's entrypoint.
func (c *containerRuntime) argv() []string {
	if c.rule != nil && c.rule.Binary != "" {
		if len(c.spec.Command) == 0 {
			return append([]string{c.rule.Binary}, c.spec.Args...)
		}
		// a command naming the image's one program where its Dockerfile put it (KEDA's /keda, the config
		// reloader's /bin/prometheus-config-reloader): that program is the binary here
		return append(append([]string{c.rule.Binary}, c.spec.Command[1:]...), c.spec.Args...)
	}
	return append(append([]string{}, c.spec.Command...), c.spec.Args...)
}

// containerSpec is what container-init needs to make a process see what a container would.
type containerSpec struct {
	Root    string       `json:"root"`
	Mounts  []mountEntry `json:"mounts"`
	Env     []string     `json:"env"`
	WorkDir string       `json:"workDir"`
	Argv    []string     `json:"argv"`
}

type mountEntry struct {
	Source string `json:"source"`
	Target string `json:"target"`
}

func (rt *podRuntime) containerCommand(c *containerRuntime, argv []string) (*exec.Cmd, error) {
	if len(argv) == 0 {
		return nil, fmt.Errorf("no command")
	}
	spec := containerSpec{Root: filepath.Join(rt.dir, "containers", c.spec.Name), WorkDir: c.spec.WorkingDir, Argv: argv}
	spec.Mounts = append(spec.Mounts, mountEntry{Source: filepath.Join(rt.dir, "hosts"), Target: "/etc/hosts"})
	for _, m := range c.spec.VolumeMounts {
		src := filepath.Join(rt.dir, "volumes", m.Name)
		if m.SubPath != "" {
			src = filepath.Join(src, m.SubPath)
		}
		spec.Mounts = append(spec.Mounts, mountEntry{Source: src, Target: m.MountPath})
	}
	spec.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME=" + rt.pod.Name}
	for _, e := range c.spec.Env {
		// virtual-kubelet resolved valueFrom into value already
		spec.Env = append(spec.Env, e.Name+"="+expandEnv(e.Value, spec.Env))
	}
	raw, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	specFile := filepath.Join(rt.dir, "containers", c.spec.Name+".json")
	if err := os.MkdirAll(filepath.Dir(specFile), 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(specFile, raw, 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command("ip", "netns", "exec", rt.netns, rt.p.cfg.KubeBinary, "container-init", specFile)
	logFile, err := os.OpenFile(filepath.Join(rt.dir, c.spec.Name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd, nil
}

// expandEnv does Kubernetes' $(VAR) expansion against the variables defined before.
func expandEnv(v string, env []string) string {
	if !strings.Contains(v, "$(") {
		return v
	}
	for _, kv := range env {
		i := strings.Index(kv, "=")
		v = strings.ReplaceAll(v, "$("+kv[:i]+")", kv[i+1:])
	}
	return v
}

// probe runs a container's readiness and liveness probes (httpGet and tcpSocket; exec probes pass).
func (rt *podRuntime) probe(c *containerRuntime) {
	type state struct {
		probe            *corev1.Probe
		successes, fails int32
		next             time.Time
	}
	now := time.Now()
	var readiness, liveness *state
	if p := c.spec.ReadinessProbe; p != nil {
		readiness = &state{probe: p, next: now.Add(time.Duration(p.InitialDelaySeconds) * time.Second)}
	}
	if p := c.spec.LivenessProbe; p != nil {
		liveness = &state{probe: p, next: now.Add(time.Duration(p.InitialDelaySeconds) * time.Second)}
	}
	for {
		select {
		case <-rt.done:
			return
		case <-time.After(500 * time.Millisecond):
		}
		rt.mu.Lock()
		running := c.running
		exited := c.exited
		rt.mu.Unlock()
		if !running {
			continue
		}
		if readiness != nil && time.Now().After(readiness.next) {
			ok := rt.check(readiness.probe)
			readiness.next = time.Now().Add(period(readiness.probe))
			rt.mu.Lock()
			before := c.ready
			if ok {
				readiness.successes++
				readiness.fails = 0
				if readiness.successes >= max32(readiness.probe.SuccessThreshold, 1) {
					c.ready = true
				}
			} else {
				readiness.fails++
				readiness.successes = 0
				if readiness.fails >= max32(readiness.probe.FailureThreshold, 1) || !before {
					c.ready = false
				}
			}
			changed := before != c.ready
			rt.mu.Unlock()
			if changed {
				rt.p.changed(rt)
			}
		}
		if liveness != nil && time.Now().After(liveness.next) {
			ok := rt.check(liveness.probe)
			liveness.next = time.Now().Add(period(liveness.probe))
			if ok {
				liveness.fails = 0
			} else if liveness.fails++; liveness.fails >= max32(liveness.probe.FailureThreshold, 1) {
				fmt.Fprintf(os.Stderr, "node-agent: %s/%s failed its liveness probe; restarting\n", rt.key(), c.spec.Name)
				liveness.fails = 0
				liveness.next = time.Now().Add(time.Duration(liveness.probe.InitialDelaySeconds) * time.Second)
				rt.signal(c, syscall.SIGKILL)
				<-exited
			}
		}
	}
}

func max32(a, b int32) int32 {
	if a > b {
		return a
	}
	return b
}

func period(p *corev1.Probe) time.Duration {
	if p.PeriodSeconds > 0 {
		return time.Duration(p.PeriodSeconds) * time.Second
	}
	return 10 * time.Second
}

func (rt *podRuntime) port(c intstr.IntOrString) int {
	if c.Type == intstr.Int {
		return c.IntValue()
	}
	for _, ctr := range rt.pod.Spec.Containers {
		for _, p := range ctr.Ports {
			if p.Name == c.StrVal {
				return int(p.ContainerPort)
			}
		}
	}
	n, _ := strconv.Atoi(c.StrVal)
	return n
}

func (rt *podRuntime) check(p *corev1.Probe) bool {
	timeout := time.Duration(max32(p.TimeoutSeconds, 1)) * time.Second
	switch {
	case p.HTTPGet != nil:
		scheme := strings.ToLower(string(p.HTTPGet.Scheme))
		if scheme == "" {
			scheme = "http"
		}
		client := &http.Client{Timeout: timeout, Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, // as the kubelet's probes do
			DisableKeepAlives: true,
		}}
		url := fmt.Sprintf("%s://%s%s", scheme, net.JoinHostPort(rt.ip, strconv.Itoa(rt.port(p.HTTPGet.Port))), p.HTTPGet.Path)
		resp, err := client.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode >= 200 && resp.StatusCode < 400
	case p.TCPSocket != nil:
		conn, err := net.DialTimeout("tcp", net.JoinHostPort(rt.ip, strconv.Itoa(rt.port(p.TCPSocket.Port))), timeout)
		if err != nil {
			return false
		}
		conn.Close()
		return true
	}
	return true
}

func (rt *podRuntime) signal(c *containerRuntime, sig syscall.Signal) {
	rt.mu.Lock()
	cmd := c.cmd
	rt.mu.Unlock()
	if cmd != nil && cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, sig)
	}
}

// terminate: preStop hooks, SIGTERM, SIGKILL at the end of the grace period, then the deletion is confirmed.
func (rt *podRuntime) terminate(grace time.Duration) {
	rt.mu.Lock()
	if rt.stopping {
		rt.mu.Unlock()
		return
	}
	rt.stopping = true
	rt.mu.Unlock()
	deadline := time.Now().Add(grace)
	var wg sync.WaitGroup
	for _, c := range rt.containers {
		if c.rule == nil || c.spec.Lifecycle == nil || c.spec.Lifecycle.PreStop == nil {
			continue
		}
		wg.Add(1)
		go func(c *containerRuntime) {
			defer wg.Done()
			rt.preStop(c, deadline)
		}(c)
	}
	waitUntil(&wg, deadline)
	rt.stopProcesses(time.Until(deadline))
	rt.teardownNetwork()
	close(rt.done)
	_ = os.RemoveAll(rt.dir)
	rt.p.forget(rt)
}

func (rt *podRuntime) preStop(c *containerRuntime, deadline time.Time) {
	h := c.spec.Lifecycle.PreStop
	switch {
	case h.Exec != nil:
		cmd, err := rt.containerCommand(&containerRuntime{spec: c.spec, rule: c.rule}, h.Exec.Command)
		if err != nil {
			return
		}
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		defer cancel()
		if err := cmd.Start(); err != nil {
			return
		}
		go func() {
			<-ctx.Done()
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}()
		_ = cmd.Wait()
	case h.Sleep != nil:
		time.Sleep(time.Until(minTime(deadline, time.Now().Add(time.Duration(h.Sleep.Seconds)*time.Second))))
	case h.HTTPGet != nil:
		rt.check(&corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: h.HTTPGet}, TimeoutSeconds: 5})
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func waitUntil(wg *sync.WaitGroup, deadline time.Time) {
	ch := make(chan struct{})
	go func() { wg.Wait(); close(ch) }()
	select {
	case <-ch:
	case <-time.After(time.Until(deadline)):
	}
}

func (rt *podRuntime) stopProcesses(grace time.Duration) {
	rt.mu.Lock()
	rt.stopping = true
	rt.mu.Unlock()
	rt.mu.Lock()
	if rt.standIn != nil && rt.standIn.Process != nil {
		_ = syscall.Kill(-rt.standIn.Process.Pid, syscall.SIGKILL)
	}
	rt.mu.Unlock()
	var waits []chan struct{}
	all := append(append([]*containerRuntime{}, rt.inits...), rt.containers...)
	for _, c := range all {
		rt.mu.Lock()
		exited := c.exited
		running := c.running
		rt.mu.Unlock()
		if running && exited != nil {
			rt.signal(c, syscall.SIGTERM)
			waits = append(waits, exited)
		}
	}
	deadline := time.After(grace)
	for i, w := range waits {
		select {
		case <-w:
		case <-deadline:
			for _, c := range all {
				rt.signal(c, syscall.SIGKILL)
			}
			for _, w := range waits[i:] {
				<-w
			}
			return
		}
	}
}

func (rt *podRuntime) snapshot() *corev1.Pod {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	pod := rt.pod.DeepCopy()
	allReady, allRunning := true, true
	var statuses []corev1.ContainerStatus
	for _, c := range rt.containers {
		s := corev1.ContainerStatus{
			Name: c.spec.Name, Image: c.spec.Image, ImageID: c.spec.Image, Ready: c.ready, RestartCount: c.restarts,
			ContainerID:          fmt.Sprintf("node-agent://%s/%s", rt.pod.UID, c.spec.Name),
			LastTerminationState: corev1.ContainerState{Terminated: c.last},
		}
		started := c.running
		s.Started = &started
		if c.running {
			s.State.Running = &corev1.ContainerStateRunning{StartedAt: c.since}
		} else if c.last != nil {
			s.State.Waiting = &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "restarting"}
		} else {
			s.State.Waiting = &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}
		}
		allReady = allReady && c.ready
		allRunning = allRunning && c.running
		statuses = append(statuses, s)
	}
	var initStatuses []corev1.ContainerStatus
	for _, c := range rt.inits {
		s := corev1.ContainerStatus{
			Name: c.spec.Name, Image: c.spec.Image, ImageID: c.spec.Image, RestartCount: c.restarts,
			ContainerID: fmt.Sprintf("node-agent://%s/%s", rt.pod.UID, c.spec.Name),
		}
		switch {
		case c.running:
			s.State.Running = &corev1.ContainerStateRunning{StartedAt: c.since}
		case c.last != nil && c.last.ExitCode == 0:
			s.State.Terminated = c.last
			s.Ready = true
		case c.last != nil:
			s.State.Waiting = &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "restarting"}
			s.LastTerminationState.Terminated = c.last
		default:
			s.State.Waiting = &corev1.ContainerStateWaiting{Reason: "PodInitializing"}
		}
		initStatuses = append(initStatuses, s)
	}
	initialized := rt.initialized || len(rt.inits) == 0
	cond := func(t corev1.PodConditionType, ok bool) corev1.PodCondition {
		s := corev1.ConditionFalse
		if ok {
			s = corev1.ConditionTrue
		}
		return corev1.PodCondition{Type: t, Status: s, LastTransitionTime: rt.started}
	}
	phase := corev1.PodPending
	if allRunning || anyRunning(rt.containers) {
		phase = corev1.PodRunning
	}
	pod.Status = corev1.PodStatus{
		Phase:     phase,
		HostIP:    rt.p.cfg.NodeIP,
		HostIPs:   []corev1.HostIP{{IP: rt.p.cfg.NodeIP}},
		PodIP:     rt.ip,
		PodIPs:    []corev1.PodIP{{IP: rt.ip}},
		StartTime: &rt.started,
		QOSClass:  rt.pod.Status.QOSClass,
		Conditions: []corev1.PodCondition{
			cond(corev1.PodReadyToStartContainers, true),
			cond(corev1.PodInitialized, initialized),
			cond(corev1.ContainersReady, allReady),
			cond(corev1.PodReady, allReady),
			cond(corev1.PodScheduled, true),
		},
		InitContainerStatuses: initStatuses,
		ContainerStatuses:     statuses,
	}
	return pod
}

func anyRunning(cs []*containerRuntime) bool {
	for _, c := range cs {
		if c.running {
			return true
		}
	}
	return false
}
