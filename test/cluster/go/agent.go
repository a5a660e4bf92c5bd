package main

// The node agent: virtual-kubelet's node library registers the Node, renews its Lease, syncs pod status and does
// the deletion handshake; this provider gives each pod its own network namespace and IP and runs the real
// program behind each container image it knows, with the pod's args, env, ConfigMap, Secret and ServiceAccount
// token files as the API server has them. Containers of images it does not know run nothing and are reported
// running, so a test can still use their network namespace (Interlok pods are such stand-ins).

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/virtual-kubelet/virtual-kubelet/errdefs"
	"github.com/virtual-kubelet/virtual-kubelet/log"
	"github.com/virtual-kubelet/virtual-kubelet/node"
	"github.com/virtual-kubelet/virtual-kubelet/node/api"
	"github.com/virtual-kubelet/virtual-kubelet/node/nodeutil"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	statsv1alpha1 "k8s.io/kubelet/pkg/apis/stats/v1alpha1"
)

// agentConfig is written by the cluster launcher (scripts/cluster.ts); every field is required.
type agentConfig struct {
	NodeName       string            `json:"nodeName"`
	NodeIP         string            `json:"nodeIP"`
	PodCIDR        string            `json:"podCIDR"`
	Kubeconfig     string            `json:"kubeconfig"`
	StateDir       string            `json:"stateDir"`
	NetnsPrefix    string            `json:"netnsPrefix"`
	NodeNetns      string            `json:"nodeNetns"` // the node's own network namespace, where hostNetwork pods run
	KubeBinary     string            `json:"kubeBinary"`
	ClusterDomain  string            `json:"clusterDomain"`
	NodeHostsFile  string            `json:"nodeHostsFile"`
	Images         []imageRule       `json:"images"`
	Capacity       map[string]string `json:"capacity"`
	KubeletVersion string            `json:"kubeletVersion"`
}

// imageRule maps an image (by repository, any tag) to what runs for it: `binary` runs with the container's args
// as the image's entrypoint would; `command` runs the container's own command with this machine's programs.
type imageRule struct {
	Repository string `json:"repository"`
	Binary     string `json:"binary,omitempty"`
	Command    bool   `json:"command,omitempty"`
}

func runNodeAgent(args []string) int {
	fs := flag.NewFlagSet("node-agent", flag.ContinueOnError)
	configPath := fs.String("config", "", "the agent's JSON configuration")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	raw, err := os.ReadFile(*configPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "node-agent:", err)
		return 2
	}
	var cfg agentConfig
	if err := json.Unmarshal(raw, &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "node-agent: config:", err)
		return 2
	}
	restConfig, err := clientcmd.BuildConfigFromFlags("", cfg.Kubeconfig)
	if err != nil {
		fmt.Fprintln(os.Stderr, "node-agent:", err)
		return 1
	}
	restConfig.QPS, restConfig.Burst = 50, 100
	client, err := kubernetes.NewForConfig(restConfig)
	if err != nil {
		fmt.Fprintln(os.Stderr, "node-agent:", err)
		return 1
	}
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer cancel()

	var prov *provider
	n, err := nodeutil.NewNode(cfg.NodeName, func(pc nodeutil.ProviderConfig) (nodeutil.Provider, node.NodeProvider, error) {
		prov = newProvider(cfg, client, pc)
		configureNode(cfg, pc.Node)
		return prov, nil, nil
	}, nodeutil.WithClient(client), func(c *nodeutil.NodeConfig) error {
		c.NumWorkers = 4
		c.InformerResyncPeriod = 30 * time.Second
		c.HTTPListenAddr = cfg.NodeIP + ":10250"
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "node-agent:", err)
		return 1
	}
	go prov.refreshLoop(ctx)
	go func() {
		if err := n.Run(ctx); err != nil && ctx.Err() == nil {
			log.G(ctx).WithError(err).Error("node stopped")
			cancel()
		}
	}()
	if err := n.WaitReady(ctx, 2*time.Minute); err != nil {
		fmt.Fprintln(os.Stderr, "node-agent: node not ready:", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "node-agent: node %s ready\n", cfg.NodeName)
	<-ctx.Done()
	prov.stopAll()
	return 0
}

func configureNode(cfg agentConfig, n *corev1.Node) {
	n.Labels["kubernetes.io/os"] = "linux"
	n.Labels["kubernetes.io/arch"] = "amd64"
	n.Labels["node.kubernetes.io/instance-type"] = "cdk8s-interlok-scaling-test-node"
	delete(n.Labels, "type")
	n.Spec.PodCIDR = cfg.PodCIDR
	n.Spec.PodCIDRs = []string{cfg.PodCIDR}
	capacity := corev1.ResourceList{}
	for k, v := range cfg.Capacity {
		capacity[corev1.ResourceName(k)] = resource.MustParse(v)
	}
	n.Status.Capacity = capacity
	n.Status.Allocatable = capacity.DeepCopy()
	n.Status.Addresses = []corev1.NodeAddress{
		{Type: corev1.NodeInternalIP, Address: cfg.NodeIP},
		{Type: corev1.NodeHostName, Address: cfg.NodeName},
	}
	n.Status.DaemonEndpoints = corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: 10250}}
	n.Status.NodeInfo = corev1.NodeSystemInfo{
		OperatingSystem: "linux", Architecture: "amd64", KubeletVersion: cfg.KubeletVersion,
		ContainerRuntimeVersion: "cdk8s-interlok-scaling-node-agent://1",
	}
	conditions := []corev1.NodeCondition{}
	for _, c := range n.Status.Conditions {
		switch c.Type {
		case corev1.NodeReady:
			c.Status = corev1.ConditionTrue
			c.Reason, c.Message = "KubeletReady", "the test cluster's node agent is running"
		default:
			c.Status = corev1.ConditionFalse
		}
		c.LastHeartbeatTime, c.LastTransitionTime = metav1.Now(), metav1.Now()
		conditions = append(conditions, c)
	}
	n.Status.Conditions = conditions
}

type provider struct {
	cfg    agentConfig
	client kubernetes.Interface
	lister nodeutil.ProviderConfig

	mu      sync.Mutex
	pods    map[string]*podRuntime // by namespace/name
	notify  func(*corev1.Pod)
	nextIP  int
	freeIPs []int
	hosts   string
}

func newProvider(cfg agentConfig, client kubernetes.Interface, pc nodeutil.ProviderConfig) *provider {
	return &provider{cfg: cfg, client: client, lister: pc, pods: map[string]*podRuntime{}, nextIP: 2}
}

func podKey(namespace, name string) string { return namespace + "/" + name }

func (p *provider) CreatePod(ctx context.Context, pod *corev1.Pod) error {
	p.mu.Lock()
	key := podKey(pod.Namespace, pod.Name)
	if existing, ok := p.pods[key]; ok && existing.pod.UID == pod.UID {
		p.mu.Unlock()
		return nil
	}
	var index int
	if len(p.freeIPs) > 0 {
		index, p.freeIPs = p.freeIPs[0], p.freeIPs[1:]
	} else {
		index = p.nextIP
		p.nextIP++
	}
	p.mu.Unlock()
	rt, err := newPodRuntime(p, pod.DeepCopy(), index)
	if err != nil {
		p.mu.Lock()
		p.freeIPs = append(p.freeIPs, index)
		p.mu.Unlock()
		return err
	}
	p.mu.Lock()
	p.pods[key] = rt
	p.mu.Unlock()
	rt.start()
	return nil
}

// UpdatePod: a running pod's spec changes only in what Kubernetes lets change in place; nothing to do here.
func (p *provider) UpdatePod(ctx context.Context, pod *corev1.Pod) error { return nil }

func (p *provider) DeletePod(ctx context.Context, pod *corev1.Pod) error {
	p.mu.Lock()
	rt, ok := p.pods[podKey(pod.Namespace, pod.Name)]
	p.mu.Unlock()
	if !ok || rt.pod.UID != pod.UID {
		return errdefs.NotFound("pod not found")
	}
	grace := int64(30)
	if pod.DeletionGracePeriodSeconds != nil {
		grace = *pod.DeletionGracePeriodSeconds
	} else if pod.Spec.TerminationGracePeriodSeconds != nil {
		grace = *pod.Spec.TerminationGracePeriodSeconds
	}
	go rt.terminate(time.Duration(grace) * time.Second)
	return nil
}

// forget is called once a pod's processes are gone: its IP is free again and the API server may drop the pod,
// as a kubelet confirms a deletion with grace period 0 and the pod's UID as precondition.
func (p *provider) forget(rt *podRuntime) {
	p.mu.Lock()
	key := podKey(rt.pod.Namespace, rt.pod.Name)
	if cur, ok := p.pods[key]; ok && cur == rt {
		delete(p.pods, key)
	}
	p.freeIPs = append(p.freeIPs, rt.index)
	p.mu.Unlock()
	zero := int64(0)
	uid := rt.pod.UID
	err := p.client.CoreV1().Pods(rt.pod.Namespace).Delete(context.Background(), rt.pod.Name,
		metav1.DeleteOptions{GracePeriodSeconds: &zero, Preconditions: &metav1.Preconditions{UID: &uid}})
	if err != nil {
		fmt.Fprintf(os.Stderr, "node-agent: confirming deletion of %s: %v\n", key, err)
	}
}

func (p *provider) GetPod(ctx context.Context, namespace, name string) (*corev1.Pod, error) {
	p.mu.Lock()
	rt, ok := p.pods[podKey(namespace, name)]
	p.mu.Unlock()
	if !ok {
		return nil, errdefs.NotFound("pod not found")
	}
	return rt.snapshot(), nil
}

func (p *provider) GetPodStatus(ctx context.Context, namespace, name string) (*corev1.PodStatus, error) {
	pod, err := p.GetPod(ctx, namespace, name)
	if err != nil {
		return nil, err
	}
	return &pod.Status, nil
}

func (p *provider) GetPods(ctx context.Context) ([]*corev1.Pod, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]*corev1.Pod, 0, len(p.pods))
	for _, rt := range p.pods {
		out = append(out, rt.snapshot())
	}
	return out, nil
}

func (p *provider) NotifyPods(ctx context.Context, f func(*corev1.Pod)) {
	p.mu.Lock()
	p.notify = f
	p.mu.Unlock()
}

func (p *provider) changed(rt *podRuntime) {
	p.mu.Lock()
	f := p.notify
	p.mu.Unlock()
	if f == nil {
		return
	}
	// virtual-kubelet keeps the last status it is handed and never asks again: two goroutines of one pod (the one
	// starting its containers and a container's supervisor) could hand over their snapshots in the other order than
	// they took them, and an old "ContainerCreating" would then stay the pod's status for good (a Deployment never
	// Available; seen under load). Taking and handing over under one lock per pod keeps the newest last.
	rt.notifyMu.Lock()
	defer rt.notifyMu.Unlock()
	f(rt.snapshot())
}

// refreshLoop keeps every pod's hosts file in step with the Services (the cluster's DNS, see cluster.ts) and its
// ConfigMap, Secret and token files in step with the API server, as a kubelet's volume manager does.
func (p *provider) refreshLoop(ctx context.Context) {
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	tick := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		p.refreshHosts()
		p.mu.Lock()
		for _, rt := range p.pods {
			go rt.serveStandInPages()
		}
		p.mu.Unlock()
		tick++
		if tick%5 == 0 {
			p.mu.Lock()
			pods := make([]*podRuntime, 0, len(p.pods))
			for _, rt := range p.pods {
				pods = append(pods, rt)
			}
			p.mu.Unlock()
			for _, rt := range pods {
				if err := rt.projectVolumes(false); err != nil {
					fmt.Fprintf(os.Stderr, "node-agent: refreshing volumes of %s: %v\n", rt.key(), err)
				}
				// as a kubelet's status manager syncs again: a notification virtual-kubelet dropped (it gives up on
				// a pod it does not know yet) is made good; an unchanged status it skips
				p.changed(rt)
			}
		}
	}
}

func (p *provider) serviceHosts() string {
	services, err := p.lister.Services.List(labels.Everything())
	if err != nil {
		return ""
	}
	lines := []string{}
	for _, s := range services {
		ip := s.Spec.ClusterIP
		if ip == "" || ip == corev1.ClusterIPNone {
			continue
		}
		base := s.Name + "." + s.Namespace
		lines = append(lines, fmt.Sprintf("%s\t%s.svc %s.svc.%s", ip, base, base, p.cfg.ClusterDomain))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n") + "\n"
}

func (p *provider) refreshHosts() {
	hosts := p.serviceHosts()
	p.mu.Lock()
	same := hosts == p.hosts
	p.hosts = hosts
	pods := make([]*podRuntime, 0, len(p.pods))
	for _, rt := range p.pods {
		pods = append(pods, rt)
	}
	p.mu.Unlock()
	if !same {
		writeInPlace(p.cfg.NodeHostsFile, "127.0.0.1\tlocalhost\n::1\tlocalhost\n"+hosts)
	}
	for _, rt := range pods {
		rt.writeHosts(hosts) // each pod's own file, when it differs (see writeHosts)
	}
}

// currentHosts: the Services' lines as last written, or as they are now before the first refresh.
func (p *provider) currentHosts() string {
	p.mu.Lock()
	hosts := p.hosts
	p.mu.Unlock()
	if hosts == "" {
		return p.serviceHosts()
	}
	return hosts
}

// writeInPlace keeps the file's inode: a file bind-mounted over /etc/hosts shows the new content only then.
func writeInPlace(path, content string) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, "node-agent:", err)
		return
	}
	defer f.Close()
	_, _ = f.WriteString(content)
}

func (p *provider) stopAll() {
	p.mu.Lock()
	pods := make([]*podRuntime, 0, len(p.pods))
	for _, rt := range p.pods {
		pods = append(pods, rt)
	}
	p.mu.Unlock()
	var wg sync.WaitGroup
	for _, rt := range pods {
		wg.Add(1)
		go func(rt *podRuntime) {
			defer wg.Done()
			rt.stopProcesses(2 * time.Second)
			rt.teardownNetwork()
		}(rt)
	}
	wg.Wait()
}

func (p *provider) podDir(uid string) string {
	return filepath.Join(p.cfg.StateDir, "pods", uid)
}

// imageFor finds what runs for a container image: the rule of its repository, if any.
func (p *provider) imageFor(image string) *imageRule {
	repo := image
	if at := strings.Index(repo, "@"); at >= 0 {
		repo = repo[:at]
	}
	if slash := strings.LastIndex(repo, "/"); strings.LastIndex(repo, ":") > slash {
		repo = repo[:strings.LastIndex(repo, ":")]
	}
	for i := range p.cfg.Images {
		if p.cfg.Images[i].Repository == repo {
			return &p.cfg.Images[i]
		}
	}
	return nil
}

// The kubelet's streaming endpoints (logs, exec, attach, port-forward) are not served: the launcher's `exec`
// enters a pod's network namespace directly and each container's output is in its log file in the state dir.
func (p *provider) GetContainerLogs(ctx context.Context, namespace, podName, containerName string, opts api.ContainerLogOpts) (io.ReadCloser, error) {
	return nil, errdefs.InvalidInput("not served by the test cluster's node agent")
}

func (p *provider) RunInContainer(ctx context.Context, namespace, podName, containerName string, cmd []string, attach api.AttachIO) error {
	return errdefs.InvalidInput("not served by the test cluster's node agent")
}

func (p *provider) AttachToContainer(ctx context.Context, namespace, podName, containerName string, attach api.AttachIO) error {
	return errdefs.InvalidInput("not served by the test cluster's node agent")
}

func (p *provider) GetStatsSummary(context.Context) (*statsv1alpha1.Summary, error) {
	return nil, errdefs.InvalidInput("not served by the test cluster's node agent")
}

func (p *provider) GetMetricsResource(context.Context) ([]*dto.MetricFamily, error) {
	return nil, errdefs.InvalidInput("not served by the test cluster's node agent")
}

func (p *provider) PortForward(ctx context.Context, namespace, pod string, port int32, stream io.ReadWriteCloser) error {
	return errdefs.InvalidInput("not served by the test cluster's node agent")
}
