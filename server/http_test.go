package server_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/server"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

const testToken = "test-token-for-http-transport-0123456789"

// startHTTP serves a sandboxed server over HTTP on a free loopback port.
func startHTTP(t *testing.T, token string, opts ...servertest.Options) (*servertest.Harness, *server.HTTPServer) {
	t.Helper()
	var o servertest.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	h := servertest.New(t, o)
	hs, err := h.Server.ListenHTTPWith(server.HTTPConfig{Listen: "127.0.0.1:0", Token: token, MaxBodyBytes: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("graceful shutdown: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("server did not shut down")
		}
	})
	return h, hs
}

func do(t *testing.T, method, url string, header map[string]string, body io.Reader) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

const initBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`

func jsonHeaders(extra map[string]string) map[string]string {
	h := map[string]string{"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
	for k, v := range extra {
		h[k] = v
	}
	return h
}

func TestHTTPRequiresTheBearerToken(t *testing.T) {
	_, hs := startHTTP(t, testToken)
	url := hs.BaseURL + "/mcp"
	for name, hdr := range map[string]map[string]string{
		"no token":       {},
		"wrong token":    {"Authorization": "Bearer wrong"},
		"wrong scheme":   {"Authorization": "Basic " + testToken},
		"token prefix":   {"Authorization": "Bearer " + testToken[:10]},
		"token appended": {"Authorization": "Bearer " + testToken + "x"},
	} {
		status, header, _ := do(t, http.MethodPost, url, jsonHeaders(hdr), strings.NewReader(initBody))
		if status != http.StatusUnauthorized || !strings.HasPrefix(header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: status %d, WWW-Authenticate %q", name, status, header.Get("WWW-Authenticate"))
		}
	}
	for _, path := range []string{"/sse", "/message"} {
		if status, _, _ := do(t, http.MethodGet, hs.BaseURL+path, nil, nil); status != http.StatusUnauthorized {
			t.Errorf("%s without token: %d", path, status)
		}
	}
	status, _, body := do(t, http.MethodPost, url, jsonHeaders(map[string]string{"Authorization": "Bearer " + testToken}), strings.NewReader(initBody))
	if status != http.StatusOK || !strings.Contains(body, "elastic-access-mcp") {
		t.Fatalf("with token: %d %s", status, body)
	}
}

func TestHTTPStreamableClientWithToken(t *testing.T) {
	_, hs := startHTTP(t, testToken)
	c, err := client.NewStreamableHttpClient(hs.BaseURL+"/mcp", transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + testToken}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	startClient(t, c, "", nil)
	res := servertest.CallTool(t, c, "whoami", map[string]any{})
	if res.IsError {
		t.Fatal(servertest.Text(res))
	}
}

func TestHTTPRefusesOffLoopbackWithoutToken(t *testing.T) {
	h := servertest.New(t, servertest.Options{})
	_, err := h.Server.ListenHTTPWith(server.HTTPConfig{Listen: "0.0.0.0:0"})
	if err == nil || !strings.Contains(err.Error(), "MCP_HTTP_TOKEN") {
		t.Fatalf("expected refusal naming MCP_HTTP_TOKEN, got %v", err)
	}
	hs, err := h.Server.ListenHTTPWith(server.HTTPConfig{Listen: "0.0.0.0:0", Token: testToken})
	if err != nil {
		t.Fatalf("with a token it must start: %v", err)
	}
	_ = hs.Serve(canceled())
}

func canceled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

func TestHTTPGuards(t *testing.T) {
	_, hs := startHTTP(t, testToken)
	auth := map[string]string{"Authorization": "Bearer " + testToken}

	if status, _, body := do(t, http.MethodGet, hs.BaseURL+"/healthz", nil, nil); status != http.StatusOK || !strings.Contains(body, "ok") {
		t.Fatalf("healthz: %d %s", status, body)
	}
	// DNS rebinding: a loopback server reached under a foreign host name.
	for _, path := range []string{"/mcp", "/healthz", "/sse"} {
		hdr := jsonHeaders(map[string]string{"Host": "attacker.example.com", "Authorization": "Bearer " + testToken})
		if status, _, _ := do(t, http.MethodPost, hs.BaseURL+path, hdr, strings.NewReader(initBody)); status != http.StatusForbidden {
			t.Errorf("rebinding Host on %s: status %d, want 403", path, status)
		}
	}
	_, port, _ := net.SplitHostPort(hs.Addr())
	if status, _, _ := do(t, http.MethodPost, hs.BaseURL+"/mcp", jsonHeaders(map[string]string{"Host": "localhost:" + port, "Authorization": "Bearer " + testToken}), strings.NewReader(initBody)); status != http.StatusOK {
		t.Errorf("localhost Host refused: %d", status)
	}
	// Tokens in query strings end up in logs: refused even when valid.
	if status, _, _ := do(t, http.MethodPost, hs.BaseURL+"/mcp?access_token="+testToken, jsonHeaders(auth), strings.NewReader(initBody)); status != http.StatusBadRequest {
		t.Errorf("token in query: %d, want 400", status)
	}
	// Body limit (64 KiB in this test).
	big := bytes.Repeat([]byte("x"), 128<<10)
	if status, _, _ := do(t, http.MethodPost, hs.BaseURL+"/mcp", jsonHeaders(auth), bytes.NewReader(big)); status != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: %d, want 413", status)
	}
}

func TestHTTPLegacySSEClientWithToken(t *testing.T) {
	_, hs := startHTTP(t, testToken)
	c, err := client.NewSSEMCPClient(hs.BaseURL+"/sse", client.WithHeaders(map[string]string{"Authorization": "Bearer " + testToken}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	startClient(t, c, mcp.LATEST_LEGACY_PROTOCOL_VERSION, nil)
	res := servertest.CallTool(t, c, "whoami", map[string]any{})
	if res.IsError {
		t.Fatal(servertest.Text(res))
	}
}

type urlElicitations struct {
	mu   sync.Mutex
	urls []string
}

func (u *urlElicitations) Elicit(_ context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if req.Params.Mode == mcp.ElicitationModeURL {
		u.urls = append(u.urls, req.Params.URL)
	}
	return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionAccept}}, nil
}

// Over HTTP a new secret becomes a one-time link; a client that supports
// URL-mode elicitation is also shown the link directly, so the person can
// open it without the model relaying it.
func TestHTTPSecretLinkOfferedThroughURLElicitation(t *testing.T) {
	_, hs := startHTTP(t, testToken, servertest.Options{AllowWrites: true})
	seen := &urlElicitations{}
	//lint:ignore SA1019 the server still serves clients that listen on the standalone GET stream; this test is one of them
	listen := transport.WithContinuousListening()
	c, err := client.NewStreamableHttpClient(hs.BaseURL+"/mcp",
		transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + testToken}), listen)
	if err != nil {
		t.Fatal(err)
	}
	c = client.NewClient(c.GetTransport(), client.WithElicitationHandler(seen), client.WithProtocolVersion(mcp.LATEST_LEGACY_PROTOCOL_VERSION))
	defer c.Close()
	startClient(t, c, mcp.LATEST_LEGACY_PROTOCOL_VERSION, &mcp.ElicitationCapability{URL: &struct{}{}})
	res := servertest.CallTool(t, c, "create_user", map[string]any{"username": "url-mode-user", "roles": []any{"viewer"}})
	if res.IsError {
		t.Fatal(servertest.Text(res))
	}
	seen.mu.Lock()
	urls := append([]string(nil), seen.urls...)
	seen.mu.Unlock()
	if len(urls) != 1 || !strings.Contains(urls[0], "/secrets/") {
		t.Fatalf("URL elicitations seen: %v", urls)
	}
	// The person was shown the link; the model is not.
	link, code, _ := strings.Cut(urls[0], "#code=")
	if strings.Contains(servertest.Text(res), link) || code == "" {
		t.Fatalf("the link reached the result, or the person's link has no code: %s", servertest.Text(res))
	}
	if status, _, body := do(t, http.MethodPost, link, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, strings.NewReader("code="+code)); status != http.StatusOK || !strings.Contains(body, "secret") {
		t.Fatalf("offered link: %d", status)
	}
}

// Shutdown must not wait for a client that keeps an event stream open.
func TestHTTPShutdownEndsOpenStreams(t *testing.T) {
	h := servertest.New(t, servertest.Options{})
	hs, err := h.Server.ListenHTTPWith(server.HTTPConfig{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ctx) }()
	// A legacy SSE client holds GET /sse open for as long as it lives.
	c, err := client.NewSSEMCPClient(hs.BaseURL + "/sse")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	startClient(t, c, mcp.LATEST_LEGACY_PROTOCOL_VERSION, nil)
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("shutdown did not finish")
	}
	// The graceful timeout is 10 s: finishing well before it means the
	// stream was ended rather than waited for.
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("shutdown waited %v for an open stream", d)
	}
}

// startClient starts and initializes an HTTP client, on the given protocol
// version ("" = the client's newest) and with the given elicitation
// capability (nil = none).
func startClient(t *testing.T, c *client.Client, version string, elicit *mcp.ElicitationCapability) {
	t.Helper()
	// Start's context lives as long as the client: the SSE transport ends its
	// event stream when it is cancelled. Only the handshake is bounded.
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var ir mcp.InitializeRequest
	ir.Params.ProtocolVersion = version
	ir.Params.ClientInfo = mcp.Implementation{Name: "t", Version: "1"}
	ir.Params.Capabilities.Elicitation = elicit
	if _, err := c.Initialize(ctx, ir); err != nil {
		t.Fatal(err)
	}
}
