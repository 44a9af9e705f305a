package tools_test

import (
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
)

// A project named by the call is reached through the Cloud API's endpoints,
// with the Cloud API key.
func TestESProjectTarget(t *testing.T) {
	h := esHarness(t, "stack", func(o *servertest.Options) { o.NoElasticsearch = true; o.NoKibana = true })
	esContains(t, h.CallErr(t, "get_roles", map[string]any{}), "pass project")
	esContains(t, h.CallErr(t, "get_roles", map[string]any{"project": "no-such-project"}), "no Serverless project")
	p := h.Sandbox.CloudSeed.Projects["elasticsearch"]
	// By id and by name the same project is reached, with the Cloud key.
	// The demo organization's key has stack access whose role the project
	// does not define, so the project answers 403 and the tool explains the
	// application_roles requirement instead of a bare 403.
	for _, ref := range []string{p.ID, p.Name} {
		text := h.CallErr(t, "get_roles", map[string]any{"project": ref})
		esContains(t, text, "403", p.ID, "Elastic Cloud API key", "application_roles", "create_cloud_api_key")
	}
	esContains(t, h.Audit(), "project:"+p.ID)
}
