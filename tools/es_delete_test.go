package tools_test

import (
	"fmt"
	"testing"
)

// A dry run of a deletion lists what would be deleted, reports nothing as
// missing (nothing was asked of the cluster), and deletes nothing.
func TestESDeletionDryRuns(t *testing.T) {
	h := esHarness(t, "stack")
	cases := []struct {
		tool, arg, name, getPath string
	}{
		{"delete_roles", "names", "logs-reader", "/_security/role/logs-reader"},
		{"delete_users", "usernames", "alice", "/_security/user/alice"},
		{"delete_role_mappings", "names", "saml-admins", "/_security/role_mapping/saml-admins"},
	}
	for _, tc := range cases {
		t.Run(tc.tool, func(t *testing.T) {
			out := h.CallOK(t, tc.tool, map[string]any{tc.arg: []any{tc.name}, "dry_run": true})
			if fmt.Sprint(out["deleted"]) != "["+tc.name+"]" || out["not_found"] != nil || out["dry_run"] != true {
				t.Fatalf("dry run reported %v", out)
			}
			if status := getStatus(t, h.Sandbox.ElasticsearchURL+tc.getPath, "ApiKey "+h.Sandbox.StackSeed.AdminAPIKey); status != 200 {
				t.Fatalf("dry run deleted %s: GET answered %d", tc.name, status)
			}
		})
	}
}
