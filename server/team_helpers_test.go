package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/redact"
	"github.com/elastic-access-mcp/elastic-access-mcp/server"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
	"github.com/elastic-access-mcp/elastic-access-mcp/state"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// writeLedger counts what the probe tools did, across every replica of a test: a write done twice shows here.
type writeLedger struct {
	mu    sync.Mutex
	acted map[string]int
}

func (l *writeLedger) record(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.acted[name]++
}

func (l *writeLedger) count(name string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.acted[name]
}

type probeIn struct {
	Name string `json:"name" validate:"required"`
}

type probeOut struct {
	toolkit.WriteReport
	Done     string      `json:"done"`
	Handover *redact.Ref `json:"handover,omitempty"`
}

// probeTools are a change that needs the person's approval (delete_probe) and one that hands a secret over
// (secret_probe). They touch nothing upstream, so the tests see only the server's own machinery.
func probeTools(ledger *writeLedger) []toolkit.Tool {
	del := toolkit.Define(toolkit.Spec{Name: "delete_probe", Title: "Delete probe", Toolset: toolkit.ToolsetRoles, Tier: toolkit.Destructive},
		func(ctx context.Context, c *toolkit.Call, in probeIn) (probeOut, error) {
			if err := c.Confirm(ctx, toolkit.Confirmation{Target: "probe:" + in.Name, Message: "Delete " + in.Name + "?"}); err != nil {
				return probeOut{}, err
			}
			ledger.record(in.Name)
			return probeOut{Done: in.Name}, nil
		})
	sec := toolkit.Define(toolkit.Spec{Name: "secret_probe", Title: "Secret probe", Toolset: toolkit.ToolsetRoles, Tier: toolkit.Write},
		func(ctx context.Context, c *toolkit.Call, in probeIn) (probeOut, error) {
			ref, err := c.Withhold(ctx, redact.Secret{Label: "probe secret", Value: "probe-secret-" + in.Name})
			if err != nil {
				return probeOut{}, err
			}
			return probeOut{Done: in.Name, Handover: ref}, nil
		})
	return []toolkit.Tool{del, sec}
}

// replicaSet is N servers on loopback sharing one sandbox and (when given) one state store.
type replicaSet struct {
	harness *servertest.Harness
	servers []*server.Server
	https   []*server.HTTPServer
	audit   *servertest.SyncBuffer
	ledger  *writeLedger
}

func newStateKeys(t testing.TB) *state.Keyring {
	t.Helper()
	k := make([]byte, 32)
	rand.Read(k)
	keys, err := state.NewKeyring(k, nil)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// startReplicas starts n replicas. storeSpec "" keeps each replica's state in its own memory; adjust edits each
// replica's configuration.
func startReplicas(t *testing.T, n int, storeSpec string, opts servertest.Options, adjust func(*server.Config)) *replicaSet {
	t.Helper()
	h := servertest.New(t, opts)
	rs := &replicaSet{harness: h, audit: &servertest.SyncBuffer{}, ledger: &writeLedger{acted: map[string]int{}}}
	keys := newStateKeys(t)
	for i := 0; i < n; i++ {
		cfg := h.Config(opts)
		cfg.Audit = rs.audit
		if storeSpec != "" {
			st, err := state.Open(storeSpec, keys)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			cfg.State, cfg.StateKeys = st, keys
		}
		if adjust != nil {
			adjust(&cfg)
		}
		srv, err := server.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for _, tool := range probeTools(rs.ledger) {
			srv.Register(tool)
		}
		hs, err := srv.ListenHTTPWith(server.HTTPConfig{Listen: "127.0.0.1:0", Token: testToken})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- hs.Serve(ctx) }()
		t.Cleanup(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(15 * time.Second):
				t.Error("a replica did not shut down")
			}
		})
		rs.servers = append(rs.servers, srv)
		rs.https = append(rs.https, hs)
	}
	return rs
}

func (rs *replicaSet) hosts() []string {
	var out []string
	for _, h := range rs.https {
		out = append(out, h.Addr())
	}
	return out
}

// capturedRequest is one request as a client sent it, to be replayed elsewhere.
type capturedRequest struct {
	header http.Header
	body   []byte
}

// roundRobin is a load balancer without stickiness: every request goes to the next replica. It keeps the
// requests that carried an approval (requestState), so a test can replay them.
type roundRobin struct {
	hosts []string
	next  atomic.Uint64
	// hold keeps approved retries from being sent (the client sees a transport error), for a test to send later.
	hold atomic.Bool

	mu        sync.Mutex
	approvals []capturedRequest
}

func (rr *roundRobin) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body.Close()
	}
	if bytes.Contains(body, []byte(`"requestState"`)) {
		rr.mu.Lock()
		rr.approvals = append(rr.approvals, capturedRequest{header: r.Header.Clone(), body: body})
		rr.mu.Unlock()
		if rr.hold.Load() {
			return nil, errors.New("held by the test")
		}
	}
	out := r.Clone(r.Context())
	host := rr.hosts[(rr.next.Add(1)-1)%uint64(len(rr.hosts))]
	out.URL.Host, out.Host = host, host
	out.Body = io.NopCloser(bytes.NewReader(body))
	out.ContentLength = int64(len(body))
	return http.DefaultTransport.RoundTrip(out)
}

func (rr *roundRobin) lastApproval(t *testing.T) capturedRequest {
	t.Helper()
	rr.mu.Lock()
	defer rr.mu.Unlock()
	if len(rr.approvals) == 0 {
		t.Fatal("no request carried an approval")
	}
	return rr.approvals[len(rr.approvals)-1]
}

// modernClient is a 2026-07-28 client whose requests a round-robin balancer spreads over hosts, starting at
// start. Every confirmation prompt is answered by elicit.
func modernClient(t *testing.T, hosts []string, start int, headers map[string]string,
	elicit func(context.Context, mcp.ElicitationRequest) (*mcp.ElicitationResult, error)) (*client.Client, *roundRobin) {
	t.Helper()
	rr := &roundRobin{hosts: hosts}
	rr.next.Store(uint64(start))
	hdr := map[string]string{"Authorization": "Bearer " + testToken}
	for k, v := range headers {
		hdr[k] = v
	}
	tr, err := transport.NewStreamableHTTP("http://"+hosts[0]+"/mcp", transport.WithHTTPHeaders(hdr),
		transport.WithHTTPBasicClient(&http.Client{Transport: rr, Timeout: 30 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	var opts []client.ClientOption
	if elicit != nil {
		opts = append(opts, client.WithElicitationHandler(elicitFunc(elicit)))
	}
	c := client.NewClient(tr, opts...)
	t.Cleanup(func() { c.Close() })
	var elicitCap *mcp.ElicitationCapability
	if elicit != nil {
		elicitCap = &mcp.ElicitationCapability{}
	}
	startClient(t, c, "", elicitCap)
	return c, rr
}

type elicitFunc func(context.Context, mcp.ElicitationRequest) (*mcp.ElicitationResult, error)

func (f elicitFunc) Elicit(ctx context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	return f(ctx, req)
}

// replayTo sends a capturedRequest request, unchanged, to host and returns the answer's body.
func replayTo(t *testing.T, host string, rec capturedRequest, override map[string]string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://"+host+"/mcp", bytes.NewReader(rec.body))
	req.Header = rec.header.Clone()
	for k, v := range override {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("replay to %s: HTTP %d %s", host, resp.StatusCode, b)
	}
	return string(b)
}

var linkPattern = regexp.MustCompile(`http://[^\s"]+/secrets/[A-Za-z0-9_-]+`)

// linkIn finds the secret link in a result, moved to host.
func linkIn(t *testing.T, res *mcp.CallToolResult, host string) string {
	t.Helper()
	link := linkPattern.FindString(servertest.Text(res))
	if link == "" {
		t.Fatalf("no secret link in %s", servertest.Text(res))
	}
	path := link[strings.Index(link, "/secrets/"):]
	return "http://" + host + path
}

// openLink presents the bearer token (and headers) to a secret link and returns the status and body.
func openLink(t *testing.T, link string, headers map[string]string) (int, string) {
	t.Helper()
	h := map[string]string{"Authorization": "Bearer " + testToken}
	for k, v := range headers {
		h[k] = v
	}
	status, _, body := do(t, http.MethodGet, link, h, nil)
	return status, body
}

func callTool(ctx context.Context, c *client.Client, name string, args map[string]any) (*mcp.CallToolResult, error) {
	var req mcp.CallToolRequest
	req.Params.Name = name
	req.Params.Arguments = args
	return c.CallTool(ctx, req)
}

func mustCall(t *testing.T, c *client.Client, name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := callTool(ctx, c, name, args)
	if err != nil {
		t.Fatalf("%s: protocol error %v (every refusal must be a tool result)", name, err)
	}
	return res
}

func wantToolError(t *testing.T, res *mcp.CallToolResult, want string) {
	t.Helper()
	if !res.IsError || !strings.Contains(servertest.Text(res), want) {
		t.Fatalf("want an isError result saying %q, got isError=%v: %s", want, res.IsError, servertest.Text(res))
	}
	if res.NeedsInput() {
		t.Fatalf("a refusal came with a new prompt: %s", servertest.Text(res))
	}
}

// replayNoFatal is replayTo for goroutines: failures come back as the answer text.
func replayNoFatal(host string, rec capturedRequest) string {
	req, _ := http.NewRequest(http.MethodPost, "http://"+host+"/mcp", bytes.NewReader(rec.body))
	req.Header = rec.header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "transport error: " + err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return fmt.Sprintf("HTTP %d %s", resp.StatusCode, b)
}
