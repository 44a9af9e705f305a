package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/fault"
	"github.com/elastic-access-mcp/elastic-access-mcp/server"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
)

// One deadline bounds a whole tool call: a slow upstream ends in a tool
// result that says what happened and what to check, not a call that hangs
// through every retry.
func TestOneDeadlinePerToolCall(t *testing.T) {
	h := servertest.New(t, servertest.Options{})
	h.Sandbox.Cloud.Faults().Add(fault.Fault{Method: "GET", Path: "/api/v1/organizations/*/members", Kind: fault.Latency, Delay: 20 * time.Second})
	cfg := h.Config(servertest.Options{})
	cfg.CallTimeout = 300 * time.Millisecond
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := servertest.Connect(t, srv, servertest.Options{})
	res := servertest.CallTool(t, c, "list_org_members", map[string]any{})
	text := servertest.Text(res)
	if !res.IsError || !strings.Contains(text, "per-call limit") || !strings.Contains(text, "--call-timeout") {
		t.Fatalf("a call past its deadline = %v %s", res.IsError, text)
	}
}
