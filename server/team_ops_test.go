package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/metrics"
	"github.com/elastic-access-mcp/elastic-access-mcp/server"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
	"github.com/elastic-access-mcp/elastic-access-mcp/state/statetest"
)

// /metrics is behind the token on the HTTP listener, open on --metrics-listen, and counts tool calls by tool
// and outcome, approvals and secrets handed out.
func TestMetricsEndpoints(t *testing.T) {
	m := metrics.New()
	rs := startReplicas(t, 1, "", teamOpts, func(cfg *server.Config) { cfg.Metrics = m })
	c, _ := modernClient(t, rs.hosts(), 0, nil, servertest.Accept)
	if res := mustCall(t, c, "delete_probe", map[string]any{"name": "counted"}); res.IsError {
		t.Fatal(servertest.Text(res))
	}
	res := mustCall(t, c, "secret_probe", map[string]any{"name": "counted"})
	if status, _ := openLink(t, linkIn(t, res, rs.hosts()[0]), nil); status != http.StatusOK {
		t.Fatalf("link: %d", status)
	}
	base := rs.https[0].BaseURL
	if status, _, _ := do(t, http.MethodGet, base+"/metrics", nil, nil); status != http.StatusUnauthorized {
		t.Fatalf("/metrics without the token: %d", status)
	}
	status, _, body := do(t, http.MethodGet, base+"/metrics", map[string]string{"Authorization": "Bearer " + testToken}, nil)
	if status != http.StatusOK {
		t.Fatalf("/metrics: %d", status)
	}
	for _, want := range []string{
		`elastic_access_mcp_tool_calls_total{outcome="ok",tool="delete_probe"} 1`,
		`elastic_access_mcp_approvals_total{event="asked"} 1`,
		`elastic_access_mcp_approvals_total{event="approved"} 1`,
		`elastic_access_mcp_secrets_handed_out_total{via="link"} 1`,
		`elastic_access_mcp_tool_call_duration_seconds_count{tool="secret_probe"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if t.Failed() {
		t.Log(body)
	}
}

func TestMetricsListenServesWithoutToken(t *testing.T) {
	h := servertest.New(t, servertest.Options{})
	cfg := h.Config(servertest.Options{})
	cfg.Metrics = metrics.New()
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs, err := srv.ListenHTTPWith(server.HTTPConfig{Listen: "127.0.0.1:0", Token: testToken, MetricsListen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ctx) }()
	defer func() { cancel(); <-done }()
	status, _, body := do(t, http.MethodGet, "http://"+hs.MetricsAddr()+"/metrics", nil, nil)
	if status != http.StatusOK || !strings.Contains(body, "go_goroutines") {
		t.Fatalf("--metrics-listen: %d %.200s", status, body)
	}
}

// The per-caller limit is counted in the shared store: calls spread over replicas share one budget.
func TestRateLimitAcrossReplicas(t *testing.T) {
	redis := statetest.StartRedis(t)
	rs := startReplicas(t, 2, redis.URL(), teamOpts, func(cfg *server.Config) { cfg.RateLimit = 3 })
	c, _ := modernClient(t, rs.hosts(), 0, nil, nil)
	for i := 0; i < 3; i++ {
		if res := mustCall(t, c, "get_roles", map[string]any{"names": []any{"viewer"}}); res.IsError {
			t.Fatalf("call %d: %s", i, servertest.Text(res))
		}
	}
	wantToolError(t, mustCall(t, c, "get_roles", map[string]any{"names": []any{"viewer"}}), "more than 3 calls in a minute")
}

// A session-era client pinned to one replica that lands on another gets 404, so it starts over instead of
// failing oddly (the README asks for sticky routing).
func TestSessionUnknownToReplicaIs404(t *testing.T) {
	rs := startReplicas(t, 2, "", teamOpts, nil)
	auth := map[string]string{"Authorization": "Bearer " + testToken}
	status, header, body := do(t, http.MethodPost, rs.https[0].BaseURL+"/mcp", jsonHeaders(auth), strings.NewReader(initBody))
	sid := header.Get("Mcp-Session-Id")
	if status != http.StatusOK || sid == "" {
		t.Fatalf("initialize: %d %s", status, body)
	}
	h := jsonHeaders(auth)
	h["Mcp-Session-Id"] = sid
	h["Mcp-Protocol-Version"] = "2025-06-18"
	status, _, body = do(t, http.MethodPost, rs.https[1].BaseURL+"/mcp", h,
		strings.NewReader(`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`))
	if status != http.StatusNotFound {
		t.Fatalf("another replica's session: %d %s, want 404", status, body)
	}
}
