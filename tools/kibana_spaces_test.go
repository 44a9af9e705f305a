package tools_test

import (
	"strings"
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/fault"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
)

func TestListKibanaSpaces(t *testing.T) {
	h := servertest.New(t, servertest.Options{AllowWrites: true})
	out := h.CallOK(t, "list_kibana_spaces", nil)
	mustContain(t, dump(out["spaces"]), `"id":"default"`, `"id":"marketing"`)
	h.CallErr(t, "list_kibana_spaces", map[string]any{"project": 7})

	h.Sandbox.Stack.KibanaFaults().Add(fault.Fault{Method: "GET", Path: "/api/spaces/space", Kind: fault.Status, Status: 500, Times: 10})
	h.CallErr(t, "list_kibana_spaces", nil)
}

func TestListKibanaSpacesNeedsKibana(t *testing.T) {
	h := servertest.New(t, servertest.Options{NoKibana: true})
	mustContain(t, h.CallErr(t, "list_kibana_spaces", nil), "KIBANA_URL")
}

// A role naming a space Kibana does not have is refused before anything is
// written: Kibana would store it, and it would grant nothing.
func TestPutRoleRefusesUnknownKibanaSpaces(t *testing.T) {
	h := servertest.New(t, servertest.Options{AllowWrites: true, Elicit: servertest.Accept})
	role := func(space string) map[string]any {
		return map[string]any{"name": "dash-reader", "kibana": []any{map[string]any{
			"features": map[string]any{"dashboard": []any{"read"}}, "spaces": []any{space}}}}
	}
	mustContain(t, h.CallErr(t, "put_role", role("marketting")), `"marketting" is not a space of this Kibana`, "list_kibana_spaces")
	if out := h.CallOK(t, "get_roles", nil); strings.Contains(dump(out), "dash-reader") {
		t.Fatal("the role was written despite the unknown space")
	}
	h.CallOK(t, "put_role", role("marketing"))
}
