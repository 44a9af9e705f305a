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

// A custom role just created in a project is known to the project's role
// list at once: assigning it does not warn that it does not exist.
func TestAssignProjectCustomRoleRightAfterPutRole(t *testing.T) {
	h := esHarness(t, "stack", func(o *servertest.Options) { o.NoElasticsearch = true; o.NoKibana = true; o.AllowWrites = true })
	p := h.Sandbox.CloudSeed.Projects["elasticsearch"]
	h.CallOK(t, "put_role", map[string]any{"project": p.Name, "name": "fresh-logs-reader", "description": "Fresh Logs Reader",
		"indices": []any{map[string]any{"names": []any{"logs-*"}, "privileges": []any{"read"}}}})
	out := h.CallOK(t, "assign_project_custom_role", map[string]any{"member": "carol@example.com", "project": p.Name, "custom_role": "fresh-logs-reader", "replace_predefined": true})
	mustNotContain(t, asJSON(out["warnings"]), "does not exist")
	mustContain(t, asJSON(out["assigned"]), "fresh-logs-reader")
}
