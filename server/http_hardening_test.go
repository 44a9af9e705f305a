package server_test

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/server"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

func initSession(t *testing.T, url string, auth map[string]string) string {
	t.Helper()
	status, header, body := do(t, http.MethodPost, url, jsonHeaders(auth), strings.NewReader(initBody))
	if status != http.StatusOK {
		t.Fatalf("initialize: %d %s", status, body)
	}
	id := header.Get("Mcp-Session-Id")
	if id == "" {
		t.Fatal("no session id")
	}
	return id
}

const listBody = `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`

// After a restart or a DELETE a client must learn that its session is gone
// (404, so it starts a new one), not keep using a dead one.
func TestHTTPUnknownAndDeletedSessionsGet404(t *testing.T) {
	_, hs := startHTTP(t, testToken)
	url := hs.BaseURL + "/mcp"
	auth := map[string]string{"Authorization": "Bearer " + testToken, "Mcp-Protocol-Version": "2025-06-18"}
	id := initSession(t, url, auth)
	withID := func(sid string) map[string]string {
		h := jsonHeaders(auth)
		h["Mcp-Session-Id"] = sid
		return h
	}
	if status, _, body := do(t, http.MethodPost, url, withID(id), strings.NewReader(listBody)); status != http.StatusOK {
		t.Fatalf("live session: %d %s", status, body)
	}
	if status, _, _ := do(t, http.MethodPost, url, withID("mcp-session-made-up"), strings.NewReader(listBody)); status != http.StatusNotFound {
		t.Errorf("unknown session id: %d, want 404", status)
	}
	if status, _, _ := do(t, http.MethodDelete, url, withID(id), nil); status != http.StatusOK {
		t.Errorf("DELETE: %d", status)
	}
	if status, _, _ := do(t, http.MethodPost, url, withID(id), strings.NewReader(listBody)); status != http.StatusNotFound {
		t.Errorf("deleted session: %d, want 404", status)
	}
}

func TestHTTPRefusesForeignOrigins(t *testing.T) {
	_, hs := startHTTP(t, "")
	url := hs.BaseURL + "/mcp"
	status, _, _ := do(t, http.MethodPost, url, jsonHeaders(map[string]string{"Origin": "https://evil.example"}), strings.NewReader(initBody))
	if status != http.StatusForbidden {
		t.Errorf("foreign Origin: %d, want 403", status)
	}
	status, _, _ = do(t, http.MethodPost, url, jsonHeaders(map[string]string{"Origin": "null"}), strings.NewReader(initBody))
	if status != http.StatusForbidden {
		t.Errorf("Origin null: %d, want 403", status)
	}
	status, _, _ = do(t, http.MethodPost, url, jsonHeaders(map[string]string{"Origin": hs.BaseURL}), strings.NewReader(initBody))
	if status != http.StatusOK {
		t.Errorf("own Origin: %d, want 200", status)
	}
}

// An unauthenticated request is answered from its headers: the server does
// not wait for (or size up) a body it will never use.
func TestHTTPAnswersUnauthenticatedRequestsBeforeTheBody(t *testing.T) {
	_, hs := startHTTP(t, testToken)
	conn, err := net.Dial("tcp", hs.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	// Headers only: the promised 10 MB body never comes.
	_, _ = conn.Write([]byte("POST /mcp HTTP/1.1\r\nHost: " + hs.Addr() + "\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n"))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer without the body: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("status %d, want 401 (authentication comes before the body limit)", resp.StatusCode)
	}
}

// SSE: the message endpoint is relative (it resolves against whatever host
// the client used), the 2026-07-28 protocol is not offered, and a change
// needing approval from an elicitation-capable client is a tool result.
func TestHTTPSSEWorksForRealClients(t *testing.T) {
	_, hs := startHTTP(t, "", servertest.Options{AllowWrites: true, AllowDestructive: true})
	req, _ := http.NewRequest(http.MethodGet, hs.BaseURL+"/sse", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events := bufio.NewScanner(resp.Body)
	events.Buffer(make([]byte, 1<<20), 1<<20)
	nextData := func() string {
		for events.Scan() {
			if line := events.Text(); strings.HasPrefix(line, "data: ") {
				return strings.TrimPrefix(line, "data: ")
			}
		}
		return ""
	}
	endpoint := nextData()
	if !strings.HasPrefix(endpoint, "/message?") {
		t.Errorf("SSE endpoint event = %q, want a relative /message?sessionId=…", endpoint)
	}
	// A client trying the newest protocol (as the official SDKs do) must not
	// be offered 2026-07-28, which SSE cannot serve.
	if _, q, ok := strings.Cut(endpoint, "?"); ok {
		do(t, http.MethodPost, hs.BaseURL+"/message?"+q, jsonHeaders(nil), strings.NewReader(
			`{"jsonrpc":"2.0","id":9,"method":"server/discover","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"}}}}`))
		answer := nextData()
		if !strings.Contains(answer, `"id":9`) {
			t.Errorf("no answer to server/discover on the stream: %q", answer)
		}
		if strings.Contains(answer, `"2026-07-28"`) && !strings.Contains(answer, `"error"`) {
			t.Errorf("SSE offers the 2026-07-28 protocol: %s", answer)
		}
	}

	c, err := client.NewSSEMCPClient(hs.BaseURL + "/sse")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	startClient(t, c, mcp.LATEST_LEGACY_PROTOCOL_VERSION, &mcp.ElicitationCapability{})
	var dr mcp.CallToolRequest
	dr.Params.Name = "delete_roles"
	dr.Params.Arguments = map[string]any{"names": []string{"logs-reader"}}
	cctx, ccancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer ccancel()
	res, err := c.CallTool(cctx, dr)
	if err != nil {
		t.Fatalf("a refusal over SSE must be a tool result, not a protocol error: %v", err)
	}
	if !res.IsError || !strings.Contains(servertest.Text(res), "approval") {
		t.Errorf("delete over SSE without a way to ask = %v %s", res.IsError, servertest.Text(res))
	}

	// A client that prefers the newest protocol must end up on one SSE can
	// serve, and its calls must work.
	d, err := client.NewSSEMCPClient(hs.BaseURL + "/sse")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	startClient(t, d, "", nil)
	if res := servertest.CallTool(t, d, "whoami", map[string]any{}); res.IsError {
		t.Errorf("whoami over SSE with the client's newest protocol: %s", servertest.Text(res))
	}
}

// Every audit line names who the server acted as and, over HTTP, who asked,
// from the first call on (not only after whoami).
func TestAuditLinesCarryPrincipalAndCaller(t *testing.T) {
	h, hs := startHTTP(t, testToken)
	c, err := client.NewStreamableHttpClient(hs.BaseURL+"/mcp", transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + testToken}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	startClient(t, c, mcp.LATEST_LEGACY_PROTOCOL_VERSION, nil)
	if res := servertest.CallTool(t, c, "get_roles", map[string]any{}); res.IsError {
		t.Fatal(servertest.Text(res))
	}
	audit := h.Audit()
	if !strings.Contains(audit, `"principal":"`) || !strings.Contains(audit, "elasticsearch:") {
		t.Errorf("the first audit line has no principal: %s", audit)
	}
	if !strings.Contains(audit, `"caller":"127.0.0.1:`) {
		t.Errorf("the audit line does not name the HTTP caller: %s", audit)
	}
}

// Over streamable HTTP too, a cancelled request gets no response.
func TestHTTPSendsNoResponseToACancelledRequest(t *testing.T) {
	h, hs := startHTTP(t, "")
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
	url := hs.BaseURL + "/mcp"
	hdr := map[string]string{"Mcp-Protocol-Version": "2025-06-18"}
	id := initSession(t, url, hdr)
	hdr["Mcp-Session-Id"] = id
	type answer struct {
		status int
		body   string
	}
	got := make(chan answer, 1)
	go func() {
		status, _, body := do(t, http.MethodPost, url, jsonHeaders(hdr),
			strings.NewReader(`{"jsonrpc":"2.0","id":"call-7","method":"tools/call","params":{"name":"wait_probe","arguments":{}}}`))
		got <- answer{status, body}
	}()
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("the call did not start")
	}
	do(t, http.MethodPost, url, jsonHeaders(hdr), strings.NewReader(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"call-7"}}`))
	a := <-got
	if strings.Contains(a.body, `"call-7"`) {
		t.Errorf("the cancelled request got a response: %d %s", a.status, a.body)
	}
	if status, _, body := do(t, http.MethodPost, url, jsonHeaders(hdr), strings.NewReader(listBody)); status != http.StatusOK || !strings.Contains(body, `"id":2`) {
		t.Errorf("the session stopped answering after a cancellation: %d %s", status, body)
	}
}

// Abandoned sessions cannot pile up: at the bound the least recently used
// one ends (its client gets 404 and starts over).
func TestHTTPSessionsAreBounded(t *testing.T) {
	h := servertest.New(t, servertest.Options{})
	hs, err := h.Server.ListenHTTPWith(server.HTTPConfig{Listen: "127.0.0.1:0", MaxSessions: 2})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ctx) }()
	defer func() { cancel(); <-done }()
	url := hs.BaseURL + "/mcp"
	hdr := map[string]string{"Mcp-Protocol-Version": "2025-06-18"}
	first := initSession(t, url, hdr)
	second := initSession(t, url, hdr)
	third := initSession(t, url, hdr)
	status := func(id string) int {
		h := jsonHeaders(hdr)
		h["Mcp-Session-Id"] = id
		s, _, _ := do(t, http.MethodPost, url, h, strings.NewReader(listBody))
		return s
	}
	if s := status(first); s != http.StatusNotFound {
		t.Errorf("the oldest session beyond the bound: %d, want 404", s)
	}
	if status(second) != http.StatusOK || status(third) != http.StatusOK {
		t.Error("the newest sessions must keep working")
	}
}
