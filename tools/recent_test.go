package tools_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/cloudemu"
	"github.com/elastic-access-mcp/elastic-access-mcp/server"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
	"github.com/mark3labs/mcp-go/client"
)

// upstreamLog keeps the method and path of every upstream request.
type upstreamLog struct {
	mu    sync.Mutex
	paths []string
}

func (l *upstreamLog) RoundTrip(req *http.Request) (*http.Response, error) {
	l.mu.Lock()
	l.paths = append(l.paths, req.Method+" "+req.URL.Path)
	l.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

// during returns the requests sent while fn ran.
func (l *upstreamLog) during(fn func()) []string {
	l.mu.Lock()
	start := len(l.paths)
	l.mu.Unlock()
	fn()
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.paths[start:]...)
}

func matching(paths []string, sub string) int {
	n := 0
	for _, p := range paths {
		if strings.Contains(p, sub) {
			n++
		}
	}
	return n
}

// countedServer is a server on h's sandbox whose upstream requests are logged.
func countedServer(t *testing.T, h *servertest.Harness, opts servertest.Options) (*client.Client, *upstreamLog) {
	t.Helper()
	log := &upstreamLog{}
	cfg := h.Config(opts)
	cfg.Cloud.Transport = log
	cfg.Elasticsearch.Transport = log
	cfg.Kibana.Transport = log
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return servertest.Connect(t, srv, opts), log
}

// A warm whoami reads the organization with the key and nothing else: the
// key's own id, scope and owner come from the first call's listing (a Cloud
// API key cannot change), and a key deleted since shows at once.
func TestWhoamiRemembersTheServerKey(t *testing.T) {
	opts := servertest.Options{Toolsets: []string{"diagnostics"}, NoElasticsearch: true, NoKibana: true}
	h := servertest.New(t, opts)
	c, log := countedServer(t, h, opts)
	whoami := func() map[string]any {
		res := servertest.CallTool(t, c, "whoami", nil)
		if res.IsError {
			t.Fatalf("whoami: %s", servertest.Text(res))
		}
		return res.StructuredContent.(map[string]any)["cloud"].(map[string]any)
	}
	var first, second map[string]any
	sentFirst := log.during(func() { first = whoami() })
	if matching(sentFirst, "/members") != 1 || matching(sentFirst, "/users/auth/keys") != 1 {
		t.Fatalf("the first whoami should list the keys and the members once each; sent %v", sentFirst)
	}
	if first["key_id"] == nil || first["key_scope"] == nil {
		t.Fatalf("the first whoami did not identify the server's key: %s", asJSON(first))
	}
	sentWarm := log.during(func() { second = whoami() })
	if len(sentWarm) != 1 || matching(sentWarm, "/organizations") != 1 {
		t.Fatalf("a warm whoami should read only the organization; sent %v", sentWarm)
	}
	if asJSON(second["key_id"]) != asJSON(first["key_id"]) || asJSON(second["key_scope"]) != asJSON(first["key_scope"]) || second["role"] != first["role"] {
		t.Fatalf("the warm whoami reports another key:\nfirst %s\nwarm  %s", asJSON(first), asJSON(second))
	}
	lines := strings.Split(strings.TrimSpace(h.Audit()), "\n")
	if last := lines[len(lines)-1]; !strings.Contains(last, seed(h).OwnerEmail) {
		t.Fatalf("the warm whoami's audit line should still name the key owner %s: %s", seed(h).OwnerEmail, last)
	}

	// The key is deleted: the next whoami says so instead of describing it.
	vars := map[string]string{}
	for _, kv := range h.Sandbox.Vars() {
		vars[kv[0]] = kv[1]
	}
	req, _ := http.NewRequest(http.MethodDelete, vars["EC_BASE_URL"]+"/api/v1/users/auth/keys/"+first["key_id"].(string), nil)
	req.Header.Set("Authorization", "ApiKey "+vars["EC_API_KEY"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("deleting the server's key: HTTP %d", resp.StatusCode)
	}
	res := servertest.CallTool(t, c, "whoami", nil)
	cloud, _ := res.StructuredContent.(map[string]any)["cloud"].(map[string]any)
	if cloud["error"] == nil || cloud["key_id"] != nil {
		t.Fatalf("whoami after the key was deleted should report the error and no key: %s", asJSON(cloud))
	}
}

func TestListOrgMembersReusesTheProjectListing(t *testing.T) {
	opts := servertest.Options{Toolsets: []string{"org"}, NoElasticsearch: true, NoKibana: true}
	h := servertest.New(t, opts)
	c, log := countedServer(t, h, opts)
	list := func(args map[string]any) (map[string]any, []string) {
		var out map[string]any
		sent := log.during(func() {
			res := servertest.CallTool(t, c, "list_org_members", args)
			if res.IsError {
				t.Fatalf("list_org_members: %s", servertest.Text(res))
			}
			out = res.StructuredContent.(map[string]any)
		})
		return out, sent
	}
	_, first := list(nil)
	if matching(first, "/projects") == 0 {
		t.Fatalf("the seeded members are assigned to projects, so the first listing should read the project names; sent %v", first)
	}
	_, warm := list(nil)
	if n := matching(warm, "/projects"); n != 0 || len(warm) != 1 {
		t.Fatalf("a warm listing should send only the members request; sent %v", warm)
	}

	// A project made and assigned since the listing was read is named.
	p := h.Sandbox.Cloud.AddProject("security", "made-a-moment-ago")
	h.Sandbox.Cloud.AddMember("newcomer@example.com", cloudemu.RoleAssignments{Project: cloudemu.ProjectRoleAssignments{
		Security: []cloudemu.ProjectRoleAssignment{{RoleID: "security-viewer", OrganizationID: seed(h).OrganizationID, ProjectIDs: []string{p.ID}}}}})
	out, sent := list(map[string]any{"email": "newcomer@"})
	if matching(sent, "/projects") == 0 || !strings.Contains(asJSON(out), `"made-a-moment-ago"`) {
		t.Fatalf("a project missing from the remembered listing should be read again and named; sent %v, got %s", sent, asJSON(out))
	}

	// A project argument the remembered listing does not name lists again.
	q := h.Sandbox.Cloud.AddProject("observability", "newer-still")
	out, sent = list(map[string]any{"project": q.Name})
	if matching(sent, "/projects") == 0 {
		t.Fatalf("a project argument unknown to the remembered listing should list the projects again; sent %v", sent)
	}
	if _, ok := out["members"]; !ok {
		t.Fatalf("no members in %s", asJSON(out))
	}
}

// The audit line's principal costs no request for a call that reached only
// the Cloud API: the server's Elasticsearch identity is looked up only once
// a call reaches Elasticsearch (a `call list_org_members` process asked
// Elasticsearch who it was on every run).
func TestAuditPrincipalAsksElasticsearchOnlyForItsCalls(t *testing.T) {
	opts := servertest.Options{}
	h := servertest.New(t, opts)
	c, log := countedServer(t, h, opts)
	lastAudit := func() string {
		lines := strings.Split(strings.TrimSpace(h.Audit()), "\n")
		return lines[len(lines)-1]
	}
	sent := log.during(func() { servertest.CallTool(t, c, "list_org_members", nil) })
	if n := matching(sent, "/_security/_authenticate"); n != 0 {
		t.Fatalf("a Cloud-only call asked Elasticsearch who the server is (%d times): %v", n, sent)
	}
	if a := lastAudit(); !strings.Contains(a, `"principal":"cloud-key`) || strings.Contains(a, "elasticsearch:") {
		t.Fatalf("the audit line should name the Cloud key alone: %s", a)
	}
	servertest.CallTool(t, c, "get_roles", map[string]any{"names": []any{"viewer"}})
	if a := lastAudit(); !strings.Contains(a, "elasticsearch:") {
		t.Fatalf("a call to Elasticsearch should name the server's Elasticsearch identity: %s", a)
	}
}
