package tools_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/server"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
)

// A project named by the call is reached through the Cloud API's endpoints,
// with the Cloud API key and the application_roles it holds there.
func TestESProjectTarget(t *testing.T) {
	h := esHarness(t, "stack", func(o *servertest.Options) {
		o.NoElasticsearch = true
		o.NoKibana = true
		o.AllowWrites = true
	})
	mustContain(t, h.CallErr(t, "get_roles", map[string]any{}), "pass project")
	mustContain(t, h.CallErr(t, "get_roles", map[string]any{"project": "no-such-project"}), "no Serverless project")
	p := h.Sandbox.CloudSeed.Projects["elasticsearch"]

	// The owner's key has organization-wide "admin" stack access: by id and
	// by name, the same project answers with its predefined (built-in) roles.
	for _, ref := range []string{p.ID, p.Name} {
		out := h.CallOK(t, "get_roles", map[string]any{"project": ref, "include_built_in": true})
		mustContain(t, esJSON(out), `"name":"admin"`, `"name":"developer"`)
	}
	// A role written to the project lands in that project's cluster only.
	h.CallOK(t, "put_role", map[string]any{"project": p.Name, "name": "project-logs-reader",
		"indices": []any{map[string]any{"names": []any{"logs-*"}, "privileges": []any{"read"}}}})
	project := h.Sandbox.Project(p.ID)
	status := getStatus(t, project.ElasticsearchURL+"/_security/role/project-logs-reader", "ApiKey "+h.Sandbox.CloudSeed.OwnerAPIKey)
	if status != http.StatusOK {
		t.Fatalf("role not in the project's cluster: %d", status)
	}
	other := h.Sandbox.Project(h.Sandbox.CloudSeed.Projects["observability"].ID)
	if status := getStatus(t, other.ElasticsearchURL+"/_security/role/project-logs-reader", "ApiKey "+h.Sandbox.CloudSeed.OwnerAPIKey); status != http.StatusNotFound {
		t.Fatalf("role leaked into another project: %d", status)
	}
	mustContain(t, h.Audit(), "project:"+p.ID)
}

// A Cloud key whose stack role lacks the privilege gets the 403 explained
// in terms of application_roles, not a bare status.
func TestESProjectTargetWithoutStackPrivileges(t *testing.T) {
	h := esHarness(t, "stack", func(o *servertest.Options) { o.NoElasticsearch = true; o.NoKibana = true })
	// Alice's key: viewer stack access on search-demo, and the built-in
	// viewer role cannot read security settings.
	opts := servertest.Options{NoElasticsearch: true, NoKibana: true, CloudAPIKey: h.Sandbox.CloudSeed.MemberAPIKey}
	srv, err := server.New(h.Config(opts))
	if err != nil {
		t.Fatal(err)
	}
	c := servertest.Connect(t, srv, opts)
	p := h.Sandbox.CloudSeed.Projects["elasticsearch"]
	res := servertest.CallTool(t, c, "get_roles", map[string]any{"project": p.ID})
	if !res.IsError {
		t.Fatalf("a viewer key listed roles: %s", servertest.Text(res))
	}
	mustContain(t, servertest.Text(res), "403", "application_roles", "create_cloud_api_key")
}

func getStatus(t *testing.T, url, auth string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", auth)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func esJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
