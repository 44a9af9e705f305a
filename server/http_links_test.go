package server_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/redact"
	"github.com/elastic-access-mcp/elastic-access-mcp/server"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// Settings that would expose the server without real authentication are
// refused before anything listens.
func TestHTTPRefusesWeakExposure(t *testing.T) {
	h := servertest.New(t, servertest.Options{})
	for name, tc := range map[string]struct {
		cfg  server.HTTPConfig
		want string
	}{
		"proxy in front, no token": {server.HTTPConfig{Listen: "127.0.0.1:0", PublicURL: "https://mcp.example.com"}, "MCP_HTTP_TOKEN"},
		"short token off loopback": {server.HTTPConfig{Listen: "0.0.0.0:0", Token: "abc"}, "at least 32"},
		"short token behind proxy": {server.HTTPConfig{Listen: "127.0.0.1:0", Token: "abc", PublicURL: "https://mcp.example.com"}, "at least 32"},
	} {
		t.Run(name, func(t *testing.T) {
			hs, err := h.Server.ListenHTTPWith(tc.cfg)
			if err == nil {
				_ = hs.Serve(canceled())
				t.Fatal("the server started")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not mention %q", err, tc.want)
			}
		})
	}
	// A short token on loopback (a developer's machine) is still fine.
	hs, err := h.Server.ListenHTTPWith(server.HTTPConfig{Listen: "127.0.0.1:0", Token: "abc"})
	if err != nil {
		t.Fatal(err)
	}
	_ = hs.Serve(canceled())
}

// A wildcard listener names a URL that can be opened, not http://[::]:port.
func TestHTTPWildcardListenerHasUsableBaseURL(t *testing.T) {
	h := servertest.New(t, servertest.Options{})
	hs, err := h.Server.ListenHTTPWith(server.HTTPConfig{Listen: "0.0.0.0:0", Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = hs.Serve(canceled()) }()
	if !strings.HasPrefix(hs.BaseURL, "http://localhost:") {
		t.Fatalf("base URL %q", hs.BaseURL)
	}
}

// Without a token (loopback), the link in the result opens only with the
// per-link code the console is given; fetching the bare link, as an agent's
// web-fetch tool would, shows a page asking for it and uses nothing up.
func TestHTTPSecretLinkNeedsTheCodeWithoutAToken(t *testing.T) {
	_, hs := startHTTP(t, "", servertest.Options{AllowWrites: true})
	var mu sync.Mutex
	var codes []string
	hs.Links().OnNewLink(func(n redact.NewLink) { mu.Lock(); codes = append(codes, n.Code); mu.Unlock() })
	c, err := client.NewStreamableHttpClient(hs.BaseURL + "/mcp")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	startClient(t, c, "", nil)
	res := servertest.CallTool(t, c, "create_user", map[string]any{"username": "link-code-user", "roles": []any{"viewer"}})
	if res.IsError {
		t.Fatal(servertest.Text(res))
	}
	mu.Lock()
	defer mu.Unlock()
	text := servertest.Text(res)
	i := strings.Index(text, hs.BaseURL+"/secrets/")
	if i < 0 || len(codes) != 1 {
		t.Fatalf("no link in the result, or no code announced (%d): %s", len(codes), text)
	}
	link := text[i : i+len(hs.BaseURL+"/secrets/")+43]
	if strings.Contains(text, codes[0]) {
		t.Fatal("the code reached the model")
	}
	status, _, body := do(t, http.MethodGet, link, nil, nil)
	if status != http.StatusOK || !strings.Contains(body, "<form") {
		t.Fatalf("bare link: %d %s", status, body)
	}
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	if status, _, _ := do(t, http.MethodPost, link, form, strings.NewReader("code=WRONGWRONGWRONGW")); status != http.StatusForbidden {
		t.Fatalf("wrong code: %d", status)
	}
	if status, _, body := do(t, http.MethodPost, link, form, strings.NewReader("code="+codes[0])); status != http.StatusOK || !strings.Contains(body, `"secret"`) {
		t.Fatalf("with the code: %d %s", status, body)
	}
}

type declineURLs struct{}

func (declineURLs) Elicit(context.Context, mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionDecline}}, nil
}

// When the person declines the link shown by the client, the result still
// says where the secret is (without the code), so it is not lost.
func TestHTTPSecretLinkInResultWhenTheOfferIsDeclined(t *testing.T) {
	_, hs := startHTTP(t, testToken, servertest.Options{AllowWrites: true})
	//lint:ignore SA1019 on the legacy protocol the elicitation request reaches the client over the standalone GET stream
	listen := transport.WithContinuousListening()
	c, err := client.NewStreamableHttpClient(hs.BaseURL+"/mcp",
		transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + testToken}), listen)
	if err != nil {
		t.Fatal(err)
	}
	c = client.NewClient(c.GetTransport(), client.WithElicitationHandler(declineURLs{}), client.WithProtocolVersion(mcp.LATEST_LEGACY_PROTOCOL_VERSION))
	defer c.Close()
	startClient(t, c, mcp.LATEST_LEGACY_PROTOCOL_VERSION, &mcp.ElicitationCapability{URL: &struct{}{}})
	res := servertest.CallTool(t, c, "create_user", map[string]any{"username": "declined-offer-user", "roles": []any{"viewer"}})
	if res.IsError {
		t.Fatal(servertest.Text(res))
	}
	if text := servertest.Text(res); !strings.Contains(text, hs.BaseURL+"/secrets/") || strings.Contains(text, "#code=") {
		t.Fatalf("the result should name the link without its code: %s", text)
	}
}
