package main

// container-init runs inside the mount namespace that `ip netns exec` gives it (already a private copy whose
// mounts never reach the host): with a root, it puts a writable overlay of this machine's root over nothing but
// a tmpfs, mounts the pod's volumes and hosts file at the paths the pod spec names, and execs the container's
// program chrooted there. Without a root it only mounts (the hosts file for a command run in the node).

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	securejoin "github.com/cyphar/filepath-securejoin"
)

func runContainerInit(args []string) int {
	if len(args) < 1 {
		fmt.Fprintln(os.Stderr, "usage: kube container-init SPEC.json [argv...]")
		return 2
	}
	raw, err := os.ReadFile(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, "container-init:", err)
		return 127
	}
	var spec containerSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		fmt.Fprintln(os.Stderr, "container-init:", err)
		return 127
	}
	if len(args) > 1 {
		spec.Argv = args[1:]
	}
	if err := enter(spec); err != nil {
		fmt.Fprintln(os.Stderr, "container-init:", err)
		return 127
	}
	return 0 // not reached: enter execs
}

func enter(spec containerSpec) error {
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("making mounts private: %w", err)
	}
	root := "/"
	if spec.Root != "" {
		if err := os.MkdirAll(spec.Root, 0o755); err != nil {
			return err
		}
		if err := syscall.Mount("tmpfs", spec.Root, "tmpfs", 0, "mode=0755"); err != nil {
			return fmt.Errorf("tmpfs: %w", err)
		}
		upper, work, merged := filepath.Join(spec.Root, "upper"), filepath.Join(spec.Root, "work"), filepath.Join(spec.Root, "merged")
		for _, d := range []string{upper, work, merged} {
			if err := os.Mkdir(d, 0o755); err != nil {
				return err
			}
		}
		if err := syscall.Mount("overlay", merged, "overlay", 0,
			fmt.Sprintf("lowerdir=/,upperdir=%s,workdir=%s", upper, work)); err != nil {
			return fmt.Errorf("overlay root: %w", err)
		}
		for _, d := range []string{"/proc", "/dev", "/sys"} {
			if err := syscall.Mount(d, filepath.Join(merged, d), "", syscall.MS_BIND|syscall.MS_REC, ""); err != nil {
				return fmt.Errorf("bind %s: %w", d, err)
			}
		}
		root = merged
	}
	for _, m := range spec.Mounts {
		// symlinks in the target (Debian's /var/run → /run) resolve inside the root, never onto the host
		target, err := securejoin.SecureJoin(root, m.Target)
		if err != nil {
			return err
		}
		info, err := os.Stat(m.Source)
		if err != nil {
			return fmt.Errorf("volume source %s: %w", m.Source, err)
		}
		if info.IsDir() {
			err = os.MkdirAll(target, 0o755)
		} else {
			if err = os.MkdirAll(filepath.Dir(target), 0o755); err == nil {
				var f *os.File
				if f, err = os.OpenFile(target, os.O_CREATE|os.O_RDONLY, 0o644); err == nil {
					f.Close()
				}
			}
		}
		if err != nil {
			return fmt.Errorf("mount point %s: %w", m.Target, err)
		}
		if err := syscall.Mount(m.Source, target, "", syscall.MS_BIND, ""); err != nil {
			return fmt.Errorf("mount %s at %s: %w", m.Source, m.Target, err)
		}
	}
	env := spec.Env
	if spec.Root != "" {
		if err := syscall.Chroot(root); err != nil {
			return fmt.Errorf("chroot: %w", err)
		}
		dir := spec.WorkDir
		if dir == "" {
			dir = "/"
		}
		if err := os.Chdir(dir); err != nil {
			return err
		}
		os.Clearenv()
	} else {
		env = append(os.Environ(), env...)
	}
	for _, kv := range env {
		for i := 0; i < len(kv); i++ {
			if kv[i] == '=' {
				os.Setenv(kv[:i], kv[i+1:])
				break
			}
		}
	}
	if len(spec.Argv) == 0 {
		return fmt.Errorf("no command")
	}
	path, err := exec.LookPath(spec.Argv[0])
	if err != nil {
		return err
	}
	return syscall.Exec(path, spec.Argv, os.Environ())
}
