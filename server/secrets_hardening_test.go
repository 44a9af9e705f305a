package server_test

import (
	"context"
	"encoding/base64"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/fault"
	"github.com/elastic-access-mcp/elastic-access-mcp/server"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
	"github.com/mark3labs/mcp-go/mcp"
)

func sandboxVar(h *servertest.Harness, name string) string {
	for _, kv := range h.Sandbox.Vars() {
		if kv[0] == name {
			return kv[1]
		}
	}
	return ""
}

// An upstream error that echoes one of the server's own credentials, in any
// encoding, must not pass it on: not the Cloud key without its prefix, not
// the key half of the Elasticsearch API key, not the password.
func TestConfiguredCredentialsAreScrubbedInEveryEncoding(t *testing.T) {
	h := servertest.New(t, servertest.Options{})
	cloudBody := strings.TrimPrefix(sandboxVar(h, "EC_API_KEY"), "essu_")
	raw, err := base64.StdEncoding.DecodeString(sandboxVar(h, "ELASTICSEARCH_API_KEY"))
	if err != nil || !strings.Contains(string(raw), ":") {
		t.Fatalf("the sandbox key is not an encoded id:key: %v", err)
	}
	_, esKeyHalf, _ := strings.Cut(string(raw), ":")
	h.Sandbox.Cloud.Faults().Add(fault.Fault{Method: "GET", Path: "/api/v1/organizations/*/members", Kind: fault.Status, Status: 400,
		Body: `{"errors":[{"code":"root.invalid_data","message":"unknown credential ` + cloudBody + `"}]}`})
	h.Sandbox.Stack.ElasticsearchFaults().Add(fault.Fault{Method: "GET", Path: "/_security/role*", Kind: fault.Status, Status: 400,
		Body: `{"error":{"type":"illegal_argument_exception","reason":"credential ` + string(raw) + ` and ` + esKeyHalf + ` refused"},"status":400}`})
	out := h.CallErr(t, "list_org_members", map[string]any{}) + h.CallErr(t, "get_roles", map[string]any{}) + h.Audit() + h.Logs()
	for _, secret := range []string{cloudBody, esKeyHalf} {
		if strings.Contains(out, secret) {
			t.Errorf("a configured credential reached the client or the audit log: %s", out)
		}
	}

	hb := servertest.New(t, servertest.Options{ESBasicAuth: true})
	password := sandboxVar(hb, "ELASTICSEARCH_PASSWORD")
	hb.Sandbox.Stack.ElasticsearchFaults().Add(fault.Fault{Method: "GET", Path: "/_security/role*", Kind: fault.Status, Status: 400,
		Body: `{"error":{"type":"illegal_argument_exception","reason":"the string ` + password + ` is not valid"},"status":400}`})
	if text := hb.CallErr(t, "get_roles", map[string]any{}) + hb.Audit(); strings.Contains(text, password) {
		t.Errorf("the configured password reached the client or the audit log: %s", text)
	}
}

// Confirmation prompts go through the redactor like results, in both
// elicitation forms: a stored role's secret metadata and a password inside
// ELASTICSEARCH_URL never reach the person's client.
func TestConfirmationPromptsAreRedacted(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		var mu sync.Mutex
		var prompts []string
		opts := servertest.Options{AllowWrites: true, AllowDestructive: true, Legacy: legacy, NoKibana: true,
			Elicit: func(_ context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
				mu.Lock()
				prompts = append(prompts, req.Params.Message)
				mu.Unlock()
				return servertest.Decline(context.Background(), req)
			}}
		h := servertest.New(t, opts)
		user, password := sandboxVar(h, "ELASTICSEARCH_USERNAME"), sandboxVar(h, "ELASTICSEARCH_PASSWORD")
		esURL, _ := url.Parse(sandboxVar(h, "ELASTICSEARCH_URL"))
		esURL.User = url.UserPassword(user, password)
		admin, err := esapi.New(esapi.Config{URL: esURL.String()})
		if err != nil {
			t.Fatal(err)
		}
		secret := "stored-" + randomHex(12)
		if _, err := admin.PutRole(context.Background(), "vault-reader", esapi.RoleDescriptor{Cluster: []string{"monitor"},
			Metadata: map[string]any{"api_key": secret, "owner": "team-a"}}); err != nil {
			t.Fatal(err)
		}
		cfg := h.Config(opts)
		cfg.Elasticsearch = esapi.Config{URL: esURL.String()}
		srv, err := server.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		c := servertest.Connect(t, srv, opts)
		res := servertest.CallTool(t, c, "put_role", map[string]any{"name": "vault-reader", "cluster": []string{"monitor", "manage_ilm"},
			"metadata": map[string]any{"owner": "team-b"}})
		mu.Lock()
		all := strings.Join(prompts, "\n")
		mu.Unlock()
		if all == "" {
			t.Fatalf("legacy=%v: no confirmation prompt was shown: %s", legacy, servertest.Text(res))
		}
		if strings.Contains(all, secret) || strings.Contains(all, password) {
			t.Errorf("legacy=%v: the prompt leaks a secret: %s", legacy, all)
		}
		if !strings.Contains(all, "vault-reader") {
			t.Errorf("legacy=%v: the prompt no longer says what changes: %s", legacy, all)
		}
	}
}
