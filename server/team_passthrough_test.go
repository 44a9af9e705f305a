package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/server"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
)

// passthroughReplica is one replica (memory store) holding no credentials: each caller brings their own.
func passthroughReplica(t *testing.T) (*replicaSet, map[string]string) {
	t.Helper()
	rs := startReplicas(t, 1, "", teamOpts, func(cfg *server.Config) {
		cfg.Credentials = server.CredentialsPassthrough
		cfg.FixedTarget = true
		cfg.Cloud.APIKey, cfg.Cloud.APIKeyID = "", ""
		cfg.Elasticsearch.APIKey, cfg.Elasticsearch.Username, cfg.Elasticsearch.Password = "", "", ""
		cfg.Kibana.APIKey, cfg.Kibana.Username, cfg.Kibana.Password = "", "", ""
	})
	vars := map[string]string{}
	for _, kv := range rs.harness.Sandbox.Vars() {
		vars[kv[0]] = kv[1]
	}
	return rs, vars
}

type auditLine struct {
	Audit struct {
		Principal string `json:"principal"`
		CallerID  string `json:"caller_id"`
		Tool      string `json:"tool"`
		Outcome   string `json:"outcome"`
	} `json:"audit"`
}

func auditLines(t *testing.T, rs *replicaSet) []auditLine {
	t.Helper()
	var out []auditLine
	for _, l := range strings.Split(strings.TrimSpace(rs.audit.String()), "\n") {
		var a auditLine
		if err := json.Unmarshal([]byte(l), &a); err == nil && a.Audit.Tool != "" {
			out = append(out, a)
		}
	}
	return out
}

// Two callers with different credentials: different principals in the audit log, neither can redeem the
// other's approval or open the other's link; a caller without stack credentials, or with credentials the stack
// rejects, gets a clear refusal.
func TestPassthroughCallersAreKeptApart(t *testing.T) {
	rs, vars := passthroughReplica(t)
	hosts := rs.hosts()
	alice := map[string]string{
		server.HeaderESAuthorization: "ApiKey " + vars["ELASTICSEARCH_API_KEY"],
		server.HeaderCloudAPIKey:     vars["EC_API_KEY"],
	}
	bob := map[string]string{server.HeaderESAuthorization: "Basic " +
		base64.StdEncoding.EncodeToString([]byte(vars["ELASTICSEARCH_USERNAME"]+":"+vars["ELASTICSEARCH_PASSWORD"]))}
	ac, arr := modernClient(t, hosts, 0, alice, servertest.Accept)
	bc, _ := modernClient(t, hosts, 0, bob, servertest.Accept)

	if res := mustCall(t, ac, "get_roles", map[string]any{"names": []any{"viewer"}}); res.IsError {
		t.Fatalf("alice: %s", servertest.Text(res))
	}
	if res := mustCall(t, bc, "get_roles", map[string]any{"names": []any{"viewer"}}); res.IsError {
		t.Fatalf("bob: %s", servertest.Text(res))
	}
	// The principal is resolved after the first call; the second call of each caller names it.
	mustCall(t, ac, "get_roles", map[string]any{"names": []any{"viewer"}})
	mustCall(t, bc, "get_roles", map[string]any{"names": []any{"viewer"}})
	principals := map[string]string{}
	for _, a := range auditLines(t, rs) {
		if a.Audit.CallerID == "" {
			t.Fatalf("an audit line without the caller: %+v", a)
		}
		if a.Audit.Principal != "" {
			principals[a.Audit.CallerID] = a.Audit.Principal
		}
	}
	if len(principals) != 2 {
		t.Fatalf("want two callers with their principals in the audit log, got %v\n%s", principals, rs.audit.String())
	}
	var names []string
	for _, p := range principals {
		names = append(names, p)
	}
	if names[0] == names[1] {
		t.Fatalf("both callers audited as %q", names[0])
	}

	// Alice's approval, held before it reaches the server, cannot be redeemed by bob, and his attempt does not
	// use it up.
	arr.hold.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, _ = callTool(ctx, ac, "delete_probe", map[string]any{"name": "alices"})
	arr.hold.Store(false)
	held := arr.lastApproval(t)
	answer := replayTo(t, hosts[0], held, bob)
	if !strings.Contains(answer, `"isError":true`) || !strings.Contains(answer, "another caller") {
		t.Fatalf("bob redeemed alice's approval: %s", answer)
	}
	if n := rs.ledger.count("alices"); n != 0 {
		t.Fatalf("acted %d times on bob's attempt", n)
	}
	if answer := replayTo(t, hosts[0], held, nil); strings.Contains(answer, `"isError":true`) {
		t.Fatalf("alice's own approval was refused after bob's attempt: %s", answer)
	}
	if n := rs.ledger.count("alices"); n != 1 {
		t.Fatalf("acted %d times, want 1", n)
	}

	// Alice's link: bob (token and his credentials) cannot open it, nor the token alone; alice can, once.
	res := mustCall(t, ac, "secret_probe", map[string]any{"name": "alice-link"})
	if res.IsError {
		t.Fatal(servertest.Text(res))
	}
	link := linkIn(t, res, hosts[0])
	if !strings.Contains(servertest.Text(res), "headers your MCP client sends") {
		t.Fatalf("the result does not tell how alice opens her link: %s", servertest.Text(res))
	}
	for who, hdr := range map[string]map[string]string{"bob": bob, "the token alone": nil} {
		if status, body := openLink(t, link, hdr); status != http.StatusForbidden || strings.Contains(body, "probe-secret") {
			t.Fatalf("%s opened alice's link: %d %s", who, status, body)
		}
	}
	if status, body := openLink(t, link, alice); status != http.StatusOK || !strings.Contains(body, "probe-secret-alice-link") {
		t.Fatalf("alice could not open her link: %d %s", status, body)
	}

	// The operator fixed the target: a caller cannot point a stack tool at another project.
	wantToolError(t, mustCall(t, ac, "get_roles", map[string]any{"names": []any{"viewer"}, "project": "elsewhere"}),
		"acts only on the cluster its operator configured")

	// Bob has no Cloud credentials: Cloud tools name the header he did not send.
	wantToolError(t, mustCall(t, bc, "list_org_members", map[string]any{}), server.HeaderCloudAPIKey)
	// Carol has no stack credentials: stack tools name the header.
	carol, _ := modernClient(t, hosts, 0, map[string]string{server.HeaderCloudAPIKey: vars["EC_API_KEY"]}, nil)
	wantToolError(t, mustCall(t, carol, "get_roles", map[string]any{"names": []any{"viewer"}}), server.HeaderESAuthorization)
	// Dave's stack credentials are rejected by the stack: a clear refusal, not a protocol error.
	dave, _ := modernClient(t, hosts, 0, map[string]string{server.HeaderESAuthorization: "ApiKey " +
		base64.StdEncoding.EncodeToString([]byte("nope:nope"))}, nil)
	wantToolError(t, mustCall(t, dave, "get_roles", map[string]any{"names": []any{"viewer"}}), "credential was rejected")
}

// Endpoints are the operator's: a request that names one is refused before anything runs, and so are
// credentials sent to a server that acts with its own.
func TestPassthroughRefusesCallerEndpoints(t *testing.T) {
	rs, _ := passthroughReplica(t)
	url := rs.https[0].BaseURL + "/mcp"
	for _, hdr := range []string{"X-Elasticsearch-Url", "X-Kibana-Url", "X-Elastic-Cloud-Base-Url"} {
		status, _, body := do(t, http.MethodPost, url, jsonHeaders(map[string]string{"Authorization": "Bearer " + testToken,
			hdr: "https://attacker.example"}), strings.NewReader(initBody))
		if status != http.StatusBadRequest || !strings.Contains(body, "fixed by the operator") {
			t.Fatalf("%s: %d %s", hdr, status, body)
		}
	}
	op := startReplicas(t, 1, "", teamOpts, nil)
	status, _, body := do(t, http.MethodPost, op.https[0].BaseURL+"/mcp", jsonHeaders(map[string]string{"Authorization": "Bearer " + testToken,
		server.HeaderESAuthorization: "ApiKey abc"}), strings.NewReader(initBody))
	if status != http.StatusBadRequest || !strings.Contains(body, "passthrough") {
		t.Fatalf("credentials to an operator-credential server: %d %s", status, body)
	}
}
