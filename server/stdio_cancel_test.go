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

// A request the client cancelled gets no response (the specification says
// it must not); the others still do.
func TestStdioSendsNoResponseToACancelledRequest(t *testing.T) {
	h := servertest.New(t, servertest.Options{})
	started := make(chan struct{}, 1)
	h.Server.Register(toolkit.Define(toolkit.Spec{Name: "wait_probe", Title: "Wait probe", Toolset: toolkit.ToolsetDiagnostics, Tier: toolkit.Read},
		func(ctx context.Context, _ *toolkit.Call, _ struct{}) (struct{}, error) {
			started <- struct{}{}
			select {
			case <-time.After(10 * time.Second):
			case <-ctx.Done():
			}
			return struct{}{}, ctx.Err()
		}))
	pr, pw := io.Pipe()
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- h.Server.ServeStdio(context.Background(), pr, &out, io.Discard) }()
	write := func(s string) { _, _ = io.WriteString(pw, s+"\n") }
	write(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	write(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	write(`{"jsonrpc":"2.0","id":"call-7","method":"tools/call","params":{"name":"wait_probe","arguments":{}}}`)
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("the call did not start")
	}
	write(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"call-7","reason":"user stopped it"}}`)
	write(`{"jsonrpc":"2.0","id":3,"method":"tools/list"}`)
	pw.Close()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("stdio server did not finish")
	}
	got := out.String()
	if strings.Contains(got, `"id":"call-7"`) {
		t.Errorf("the cancelled request got a response:\n%s", got)
	}
	if !strings.Contains(got, `"id":3`) {
		t.Errorf("a later request got no response:\n%s", got)
	}
}
