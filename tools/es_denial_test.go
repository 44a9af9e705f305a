package tools_test

import (
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/server"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
)

// A Cloud key that has stack access to a project but lacks one privilege is
// told which privilege is missing, not to get stack access it already has.
func TestESProjectTargetNamesMissingPrivilege(t *testing.T) {
	h := esHarness(t, "stack", func(o *servertest.Options) { o.NoElasticsearch = true; o.NoKibana = true })
	// Alice's key holds viewer stack access on search-demo.
	opts := servertest.Options{NoElasticsearch: true, NoKibana: true, AllowWrites: true, CloudAPIKey: h.Sandbox.CloudSeed.MemberAPIKey}
	srv, err := server.New(h.Config(opts))
	if err != nil {
		t.Fatal(err)
	}
	c := servertest.Connect(t, srv, opts)
	p := h.Sandbox.CloudSeed.Projects["elasticsearch"]
	res := servertest.CallTool(t, c, "put_role", map[string]any{"project": p.ID, "name": "logs-reader-2",
		"indices": []any{map[string]any{"names": []any{"logs-*"}, "privileges": []any{"read"}}}})
	if !res.IsError {
		t.Fatalf("a viewer key created a role: %s", servertest.Text(res))
	}
	text := servertest.Text(res)
	mustContain(t, text, "403", "application_roles: viewer", "manage_security", "create_cloud_api_key")
	mustNotContain(t, text, "works in a project only when the key has application_roles")
}
