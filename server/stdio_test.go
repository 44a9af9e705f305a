package server_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// A script that pipes its requests and closes the pipe gets every answer:
// the end of input does not cancel calls still running.
func TestStdioAnswersEverythingReadBeforeEOF(t *testing.T) {
	h := servertest.New(t, servertest.Options{})
	h.Server.Register(toolkit.Define(toolkit.Spec{Name: "slow_probe", Title: "Slow probe", Toolset: toolkit.ToolsetDiagnostics, Tier: toolkit.Read},
		func(ctx context.Context, _ *toolkit.Call, _ struct{}) (struct {
			Done bool `json:"done"`
		}, error) {
			select {
			case <-time.After(300 * time.Millisecond):
			case <-ctx.Done():
				return struct {
					Done bool `json:"done"`
				}{}, ctx.Err()
			}
			return struct {
				Done bool `json:"done"`
			}{Done: true}, nil
		}))
	input := strings.Join([]string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"slow_probe","arguments":{}}}`,
		`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"whoami","arguments":{}}}`,
	}, "\n") + "\n"
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- h.Server.ServeStdio(context.Background(), strings.NewReader(input), &out, io.Discard) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("stdio server did not finish after its input ended")
	}
	got := out.String()
	if !strings.Contains(got, `\"done\":true`) || !strings.Contains(got, `"id":3`) || strings.Contains(got, "cancelled") {
		t.Fatalf("not every request was answered:\n%s", got)
	}
}
