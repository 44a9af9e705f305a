package server_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// Over stdio, notifications travel on another goroutine than responses; a
// call's progress notifications must still all be written before its
// response, and not in the same breath: the TypeScript SDK settles a
// response read together with notifications before it runs their
// handlers, and then drops the progress of a finished request.
// progressGapForTest is less than the server's gap, leaving room for
// scheduling.
const progressGapForTest = 5 * time.Millisecond

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
	outR, outW := io.Pipe()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(outR)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	// The times the server wrote the last progress and the response.
	var mu sync.Mutex
	var lastProgress, response time.Time
	stamped := writerFunc(func(b []byte) (int, error) {
		mu.Lock()
		if bytes.Contains(b, []byte("notifications/progress")) {
			lastProgress = time.Now()
		}
		if bytes.Contains(b, []byte(`"id":"call-1"`)) {
			response = time.Now()
		}
		mu.Unlock()
		return outW.Write(b)
	})
	done := make(chan error, 1)
	go func() {
		done <- h.Server.ServeStdio(context.Background(), pr, stamped, io.Discard)
		outW.Close()
	}()
	write := func(s string) { _, _ = io.WriteString(pw, s+"\n") }
	var got strings.Builder
	// readUntil collects output lines until one contains want.
	readUntil := func(want string) {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("output ended before %s:\n%s", want, got.String())
				}
				got.WriteString(l + "\n")
				if strings.Contains(l, want) {
					return
				}
			case <-timeout:
				t.Fatalf("no %s in time:\n%s", want, got.String())
			}
		}
	}
	// As a client does: the call only after the handshake completed.
	write(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	readUntil(`"id":1`)
	write(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	write(`{"jsonrpc":"2.0","id":"call-1","method":"tools/call","params":{"name":"progress_probe","arguments":{},"_meta":{"progressToken":"p1"}}}`)
	readUntil(`"id":"call-1"`)
	pw.Close()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("stdio server did not finish")
	}
	for range lines {
	}
	out := got.String()
	resp := strings.Index(out, `"id":"call-1"`)
	if n := strings.Count(out[:resp], `"notifications/progress"`); n != 20 {
		t.Errorf("%d of 20 progress notifications came before the response:\n%s", n, out)
	}
	mu.Lock()
	gap := response.Sub(lastProgress)
	mu.Unlock()
	if gap < progressGapForTest {
		t.Errorf("the response followed the last progress notification after %v; a client reading both at once loses the progress", gap)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }
