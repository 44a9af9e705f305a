package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
	"github.com/elastic-access-mcp/elastic-access-mcp/state/statetest"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// The built binary runs as a team replica: passthrough, a shared Redis, metrics on their own listener.
// /healthz names the store, /metrics needs the token on the main listener and not on --metrics-listen.
func TestBinaryRunsAsTeamReplica(t *testing.T) {
	bin := releaseBinary(t)
	redis := statetest.StartRedis(t)
	listen, metricsAddr := freeAddr(t), freeAddr(t)
	const token = "team-token-0123456789abcdef0123456789"
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "http", "--env-file", "", "--listen", listen, "--credentials", "passthrough",
		"--state-store", redis.URL(), "--metrics-listen", metricsAddr)
	work := t.TempDir()
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + work, "TMPDIR=" + work, "MCP_HTTP_TOKEN=" + token,
		"MCP_STATE_KEY=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
		"ELASTICSEARCH_URL=http://127.0.0.1:1"}
	// The child writes its log while the test reads it.
	stderr := &servertest.SyncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })

	get := func(url, token string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	var status int
	var body string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if status, body = get("http://"+listen+"/healthz", ""); status != 0 {
			break
		}
	}
	if status != http.StatusOK || !strings.Contains(body, `"kind":"redis"`) {
		t.Fatalf("/healthz: %d %s\nstderr: %s", status, body, stderr.String())
	}
	if status, _ := get("http://"+listen+"/metrics", ""); status != http.StatusUnauthorized {
		t.Errorf("/metrics without the token: %d", status)
	}
	if status, body := get("http://"+listen+"/metrics", token); status != http.StatusOK || !strings.Contains(body, "elastic_access_mcp_") {
		t.Errorf("/metrics with the token: %d", status)
	}
	if status, body := get("http://"+metricsAddr+"/metrics", ""); status != http.StatusOK || !strings.Contains(body, "elastic_access_mcp_") {
		t.Errorf("--metrics-listen: %d", status)
	}
	if strings.Contains(stderr.String(), "aabbccddeeff00112233") {
		t.Error("the state key reached the log")
	}
}
