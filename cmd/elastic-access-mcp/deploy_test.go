package main

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	yaml "github.com/oasdiff/yaml3"
)

// composeFile is the part of deploy/compose.yaml the checks read.
type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		Ports       []string          `yaml:"ports"`
		Volumes     []string          `yaml:"volumes"`
	} `yaml:"services"`
}

// The team example in deploy/ is what the README tells people to run: every replica's command must parse with
// the http command's own flags, name only settings the binary reads, and share one store and one state key;
// the store must not evict; the proxy must send to every replica on the port it listens on.
func TestDeployComposeMatchesTheBinary(t *testing.T) {
	dir := filepath.Join(repoRoot(), "deploy")
	raw, err := os.ReadFile(filepath.Join(dir, "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cf composeFile
	if err := yaml.Unmarshal(raw, &cf); err != nil {
		t.Fatalf("deploy/compose.yaml does not parse: %v", err)
	}
	source := readSources(t)
	var replicas []string
	stores := map[string]bool{}
	for name, svc := range cf.Services {
		if !strings.HasPrefix(svc.Image, "elastic-access-mcp") {
			continue
		}
		replicas = append(replicas, name)
		if len(svc.Command) == 0 || svc.Command[0] != "http" {
			t.Fatalf("%s: command %v does not run the http command", name, svc.Command)
		}
		fs, _, team := newHTTPCommand(io.Discard, io.Discard)
		if err := fs.Parse(svc.Command[1:]); err != nil {
			t.Fatalf("%s: the binary's http command refuses %v: %v", name, svc.Command[1:], err)
		}
		if fs.NArg() != 0 {
			t.Fatalf("%s: stray arguments %v", name, fs.Args())
		}
		if !strings.HasPrefix(team.stateStore, "redis://valkey:") {
			t.Errorf("%s: --state-store %q is not the valkey service", name, team.stateStore)
		}
		stores[team.stateStore] = true
		if !strings.HasSuffix(team.listen, ":8080") || strings.HasPrefix(team.listen, "127.") {
			t.Errorf("%s: --listen %q is not reachable by the proxy on :8080", name, team.listen)
		}
		for _, v := range []string{"MCP_HTTP_TOKEN", "MCP_STATE_KEY"} {
			if svc.Environment[v] == "" {
				t.Errorf("%s: %s is not set; every replica needs it", name, v)
			}
		}
		for v := range svc.Environment {
			if !strings.Contains(source, `"`+v+`"`) {
				t.Errorf("%s: the binary does not read %s", name, v)
			}
		}
	}
	if len(replicas) != 3 {
		t.Fatalf("want three replicas, found %v", replicas)
	}
	if len(stores) != 1 {
		t.Errorf("replicas use different stores: %v", stores)
	}
	valkey, ok := cf.Services["valkey"]
	if !ok || !strings.Contains(strings.Join(valkey.Command, " "), "--maxmemory-policy noeviction") {
		t.Errorf("the valkey service must run with --maxmemory-policy noeviction (the server refuses an evicting store): %v", valkey.Command)
	}
	proxy, ok := cf.Services["proxy"]
	if !ok || len(proxy.Ports) == 0 {
		t.Fatal("no proxy service publishing a port")
	}
	caddy, err := os.ReadFile(filepath.Join(dir, "Caddyfile"))
	if err != nil {
		t.Fatal(err)
	}
	upstreams := regexp.MustCompile(`reverse_proxy ([^{]+)\{`).FindStringSubmatch(string(caddy))
	if upstreams == nil {
		t.Fatal("the Caddyfile has no reverse_proxy")
	}
	for _, r := range replicas {
		if !strings.Contains(upstreams[1], r+":8080") {
			t.Errorf("the proxy does not send to %s:8080 (upstreams: %s)", r, upstreams[1])
		}
	}
	if !strings.Contains(string(caddy), "health_uri /healthz") {
		t.Error("the proxy does not check /healthz")
	}
}

// readSources is the Go source of the binary's configuration, to check which variables it reads.
func readSources(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, pattern := range []string{"cmd/elastic-access-mcp/*.go", "state/*.go"} {
		files, _ := filepath.Glob(filepath.Join(repoRoot(), pattern))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			b.Write(raw)
		}
	}
	return b.String()
}
