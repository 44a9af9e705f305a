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

func TestWhoamiRemembersTheKeyOwnersEmail(t *testing.T) {
	opts := servertest.Options{Toolsets: []string{"diagnostics"}, NoElasticsearch: true, NoKibana: true}
	h := servertest.New(t, opts)
	c, log := countedServer(t, h, opts)
	first := log.during(func() { servertest.CallTool(t, c, "whoami", nil) })
	if matching(first, "/members") != 1 {
		t.Fatalf("the first whoami should list the members once to find the key owner's email; sent %v", first)
	}
	second := log.during(func() { servertest.CallTool(t, c, "whoami", nil) })
	if n := matching(second, "/members"); n != 0 {
		t.Fatalf("a warm whoami listed the members again (%d times): %v", n, second)
	}
	if matching(second, "/users/auth/keys") != 1 {
		t.Fatalf("a warm whoami should still read the key listing (its scope may change); sent %v", second)
	}
	lines := strings.Split(strings.TrimSpace(h.Audit()), "\n")
	if last := lines[len(lines)-1]; !strings.Contains(last, seed(h).OwnerEmail) {
		t.Fatalf("the warm whoami's audit line should still name the key owner %s: %s", seed(h).OwnerEmail, last)
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
