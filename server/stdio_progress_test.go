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

// Over stdio, notifications travel on another goroutine than responses; a
// call's progress notifications must still all be written before its
// response, or the client drops them as belonging to a finished request.
func TestStdioWritesProgressBeforeTheResponse(t *testing.T) {
	h := servertest.New(t, servertest.Options{})
	h.Server.Register(toolkit.Define(toolkit.Spec{Name: "progress_probe", Title: "Progress probe", Toolset: toolkit.ToolsetDiagnostics, Tier: toolkit.Read},
		func(ctx context.Context, c *toolkit.Call, _ struct{}) (struct{}, error) {
			for i := 1; i <= 20; i++ {
				c.Progress(ctx, i, 20, "step")
			}
			return struct{}{}, nil
		}))
	pr, pw := io.Pipe()
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- h.Server.ServeStdio(context.Background(), pr, &out, io.Discard) }()
	write := func(s string) { _, _ = io.WriteString(pw, s+"\n") }
	write(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	write(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	write(`{"jsonrpc":"2.0","id":"call-1","method":"tools/call","params":{"name":"progress_probe","arguments":{},"_meta":{"progressToken":"p1"}}}`)
	time.Sleep(500 * time.Millisecond)
	pw.Close()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("stdio server did not finish")
	}
	got := out.String()
	resp := strings.Index(got, `"id":"call-1"`)
	if resp < 0 {
		t.Fatalf("no response:\n%s", got)
	}
	if n := strings.Count(got[:resp], `"notifications/progress"`); n != 20 {
		t.Errorf("%d of 20 progress notifications came before the response:\n%s", n, got)
	}
}
