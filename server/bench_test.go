package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/server"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
)

// In-process figures (the README's Development section). Each tool benchmark has an
// "emulator" twin that replays, straight over HTTP, exactly the upstream
// requests the tool sent for the same call, so the server's own cost (MCP
// decoding, validation, middleware, redaction, audit, projection) is the
// difference between the two. Run: go test -run=^$ -bench=. -benchmem ./server/

// recorder is an http.RoundTripper that keeps a copy of every request.
type recorder struct {
	mu   sync.Mutex
	on   bool
	reqs []recorded
}

type recorded struct {
	method, url string
	header      http.Header
	body        []byte
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	on := r.on
	r.mu.Unlock()
	if on {
		var body []byte
		if req.Body != nil {
			body, _ = io.ReadAll(req.Body)
			req.Body = io.NopCloser(bytes.NewReader(body))
		}
		r.mu.Lock()
		r.reqs = append(r.reqs, recorded{req.Method, req.URL.String(), req.Header.Clone(), body})
		r.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(req)
}

func (r *recorder) record(fn func()) []recorded {
	r.mu.Lock()
	r.on, r.reqs = true, nil
	r.mu.Unlock()
	fn()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.on = false
	return r.reqs
}

// benchServer is a server on its own sandbox whose upstream clients go
// through a recorder, with audit and logs discarded so that b.N calls do
// not grow a buffer.
type benchServer struct {
	srv    *server.Server
	client *client.Client
	rec    *recorder
}

func newBenchServer(b *testing.B, opts servertest.Options) *benchServer {
	b.Helper()
	h := servertest.New(b, opts)
	cfg := h.Config(opts)
	rec := &recorder{}
	cfg.Cloud.Transport = rec
	cfg.Elasticsearch.Transport = rec
	cfg.Kibana.Transport = rec
	cfg.Audit = io.Discard
	cfg.Logger = server.NewLogger(io.Discard, slog.LevelInfo)
	cfg.ValidateOutput = false // as the running server: the harness validates, production does not
	srv, err := server.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return &benchServer{srv: srv, client: servertest.Connect(b, srv, opts), rec: rec}
}

func (s *benchServer) call(b *testing.B, name string, args map[string]any) {
	var req mcp.CallToolRequest
	req.Params.Name = name
	req.Params.Arguments = args
	res, err := s.client.CallTool(context.Background(), req)
	if err != nil {
		b.Fatalf("%s: %v", name, err)
	}
	if res.IsError {
		b.Fatalf("%s failed: %s", name, servertest.Text(res))
	}
}

// replay sends recorded requests again, straight to the emulators.
func replay(b *testing.B, hc *http.Client, reqs []recorded) {
	for _, r := range reqs {
		req, err := http.NewRequest(r.method, r.url, bytes.NewReader(r.body))
		if err != nil {
			b.Fatal(err)
		}
		req.Header = r.header.Clone()
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

type toolCase struct {
	name string
	tool string
	// args returns the arguments of iteration i (unique names for writes
	// that create something).
	args func(i int) map[string]any
	// needsConfirmation: the call asks the person (elicitation), which the
	// transport-level own-cost benchmark does not answer.
	needsConfirmation bool
}

func benchTool(b *testing.B, opts servertest.Options, tc toolCase) {
	b.Run(tc.name+"/server", func(b *testing.B) {
		s := newBenchServer(b, opts)
		s.call(b, tc.tool, tc.args(-1)) // warm caches (organization id, flavour)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			s.call(b, tc.tool, tc.args(i))
		}
	})
	b.Run(tc.name+"/emulator", func(b *testing.B) {
		s := newBenchServer(b, opts)
		s.call(b, tc.tool, tc.args(-1))
		reqs := s.rec.record(func() { s.call(b, tc.tool, tc.args(-2)) })
		if len(reqs) == 0 {
			b.Fatalf("%s sent no upstream request to replay", tc.tool)
		}
		b.ReportMetric(float64(len(reqs)), "upstream-req/op")
		hc := &http.Client{Transport: http.DefaultTransport}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			replay(b, hc, reqs)
		}
	})
	if !tc.needsConfirmation {
		b.Run(tc.name+"/own", func(b *testing.B) { benchOwn(b, opts, tc) })
	}
}

// benchOwn reports the server's own cost per call directly: time, bytes and
// allocations of b.N calls minus those of b.N replays of the upstream
// requests one call sent. A call here is what a transport does with one
// request: hand its bytes to the MCP server and encode the answer, without
// any client's work (the in-process client of the server benchmark also
// encodes the request and decodes the answer twice). Calls and replays
// alternate in blocks, so that a change of machine load while it runs hits
// both sides alike. ns/op covers both sides; the own-* metrics are the
// difference.
func benchOwn(b *testing.B, opts servertest.Options, tc toolCase) {
	s := newBenchServer(b, opts)
	raw := newRawSession(b, s.srv)
	raw.call(b, tc.tool, rawRequest(b, 0, tc.tool, tc.args(-1)))
	reqs := s.rec.record(func() { raw.call(b, tc.tool, rawRequest(b, 0, tc.tool, tc.args(-2))) })
	if len(reqs) == 0 {
		b.Fatalf("%s sent no upstream request to replay", tc.tool)
	}
	hc := &http.Client{Transport: http.DefaultTransport}
	replay(b, hc, reqs) // open the connections the replays reuse
	// The requests are encoded beforehand: that is the client's work.
	msgs := make([][]byte, b.N)
	for i := range msgs {
		msgs[i] = rawRequest(b, i+1, tc.tool, tc.args(i))
	}
	var whole, upstream cost
	b.ResetTimer()
	const block = 25
	for done := 0; done < b.N; done += block {
		n := min(block, b.N-done)
		whole.add(measure(func() {
			for i := done; i < done+n; i++ {
				raw.call(b, tc.tool, msgs[i])
			}
		}))
		upstream.add(measure(func() {
			for range n {
				replay(b, hc, reqs)
			}
		}))
	}
	b.StopTimer()
	per := func(v float64) float64 { return v / float64(b.N) }
	b.ReportMetric(float64(len(reqs)), "upstream-req/op")
	b.ReportMetric(per(float64(whole.ns-upstream.ns)), "own-ns/op")
	b.ReportMetric(per(float64(whole.cpuNS-upstream.cpuNS)), "own-cpu-ns/op")
	b.ReportMetric(per(float64(whole.bytes)-float64(upstream.bytes)), "own-B/op")
	b.ReportMetric(per(float64(whole.allocs)-float64(upstream.allocs)), "own-allocs/op")
}

// rawSession talks to the MCP server the way a transport does: request
// bytes in, answer encoded to bytes.
type rawSession struct {
	mcp *mcpserver.MCPServer
	ctx context.Context
}

func newRawSession(b *testing.B, srv *server.Server) *rawSession {
	sess := mcpserver.NewInProcessSession("bench-raw", nil)
	ctx := context.Background()
	if err := srv.MCP.RegisterSession(ctx, sess); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.MCP.UnregisterSession(ctx, sess.SessionID()) })
	r := &rawSession{mcp: srv.MCP, ctx: srv.MCP.WithContext(ctx, sess)}
	init := []byte(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"0"}}}`)
	if out, err := json.Marshal(r.mcp.HandleMessage(r.ctx, init)); err != nil || !bytes.Contains(out, []byte(`"result"`)) {
		b.Fatalf("initialize: %s %v", out, err)
	}
	r.mcp.HandleMessage(r.ctx, []byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}`))
	return r
}

func rawRequest(b *testing.B, id int, tool string, args map[string]any) []byte {
	msg, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": "tools/call",
		"params": map[string]any{"name": tool, "arguments": args}})
	if err != nil {
		b.Fatal(err)
	}
	return msg
}

func (r *rawSession) call(b *testing.B, tool string, msg []byte) {
	out, err := json.Marshal(r.mcp.HandleMessage(r.ctx, msg))
	if err != nil {
		b.Fatalf("%s: encode the answer: %v", tool, err)
	}
	// A tool error is the first field of the result when it is one; a
	// protocol error has no result.
	if bytes.Contains(out, []byte(`"isError":true`)) || !bytes.Contains(out, []byte(`"result":`)) {
		b.Fatalf("%s failed: %.400s", tool, out)
	}
}

type cost struct{ ns, cpuNS, bytes, allocs int64 }

func (c *cost) add(d cost) {
	c.ns += d.ns
	c.cpuNS += d.cpuNS
	c.bytes += d.bytes
	c.allocs += d.allocs
}

// measure runs fn and returns its wall time, the CPU time the whole process
// used and what it allocated meanwhile (the emulators' work included, on
// both sides). CPU time does not count the moments a goroutine waits for
// another to be scheduled, which wall time does, so it moves less.
func measure(fn func()) cost {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu0 := processCPU()
	start := time.Now()
	fn()
	elapsed := time.Since(start)
	cpu := processCPU() - cpu0
	runtime.ReadMemStats(&after)
	return cost{ns: elapsed.Nanoseconds(), cpuNS: cpu.Nanoseconds(), bytes: int64(after.TotalAlloc - before.TotalAlloc),
		allocs: int64(after.Mallocs - before.Mallocs)}
}

// processCPU is the CPU time (user and system) the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkReadTool(b *testing.B) {
	for _, tc := range []toolCase{
		{"whoami", "whoami", func(int) map[string]any { return map[string]any{} }, false},
		{"list_org_members", "list_org_members", func(int) map[string]any { return map[string]any{"limit": 50} }, false},
		{"get_roles", "get_roles", func(int) map[string]any { return map[string]any{"limit": 50} }, false},
	} {
		benchTool(b, servertest.Options{}, tc)
	}
}

func BenchmarkWriteTool(b *testing.B) {
	opts := servertest.Options{AllowWrites: true, Elicit: servertest.Accept}
	for _, tc := range []toolCase{
		{"create_cloud_api_key-dry_run", "create_cloud_api_key", func(int) map[string]any {
			return map[string]any{"description": "bench", "expiration": "1d", "dry_run": true,
				"roles": []any{map[string]any{"scope": "project", "role": "viewer", "project_type": "elasticsearch", "all": true}}}
		}, false},
		{"put_role-dry_run", "put_role", func(i int) map[string]any {
			return map[string]any{"name": fmt.Sprintf("bench-dry-%d", i+2), "dry_run": true,
				"indices": []any{map[string]any{"names": []any{"logs-*"}, "privileges": []any{"read"}}}}
		}, false},
		{"put_role", "put_role", func(i int) map[string]any {
			return map[string]any{"name": fmt.Sprintf("bench-put-%d", i+2),
				"indices": []any{map[string]any{"names": []any{"logs-*"}, "privileges": []any{"read"}}}}
		}, true},
	} {
		benchTool(b, opts, tc)
	}
}

// BenchmarkToolsList measures tools/list per configuration and reports its
// size: bytes, estimated tokens (bytes/4) and the mean per tool, including
// input and output schemas and annotations.
func BenchmarkToolsList(b *testing.B) {
	for _, c := range []struct {
		name string
		opts servertest.Options
	}{
		{"read-only", servertest.Options{}},
		{"read-write", servertest.Options{AllowWrites: true}},
		{"all", servertest.Options{AllowWrites: true, AllowDestructive: true}},
	} {
		b.Run(c.name, func(b *testing.B) {
			s := newBenchServer(b, c.opts)
			ctx := context.Background()
			list, err := s.client.ListTools(ctx, mcp.ListToolsRequest{})
			if err != nil {
				b.Fatal(err)
			}
			raw, err := json.Marshal(list.Tools)
			if err != nil {
				b.Fatal(err)
			}
			n := len(list.Tools)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := s.client.ListTools(ctx, mcp.ListToolsRequest{}); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(n), "tools")
			b.ReportMetric(float64(len(raw)), "bytes")
			b.ReportMetric(float64(len(raw))/4, "est-tokens")
			b.ReportMetric(float64(len(raw))/float64(n), "bytes/tool")
		})
	}
}
