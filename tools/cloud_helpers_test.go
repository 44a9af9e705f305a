package tools_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/cloudemu"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
)

// cloudHarness starts the real server against the sandbox with every Cloud
// tool enabled and a client that approves confirmation prompts.
func cloudHarness(t *testing.T, mod func(*servertest.Options)) *servertest.Harness {
	t.Helper()
	opts := servertest.Options{AllowWrites: true, AllowDestructive: true, Elicit: servertest.Accept,
		Toolsets: []string{"org", "cloud_keys"}, NoElasticsearch: true, NoKibana: true}
	if mod != nil {
		mod(&opts)
	}
	return servertest.New(t, opts)
}

func seed(h *servertest.Harness) cloudemu.SeedInfo { return h.Sandbox.CloudSeed }

func rolesOf(t *testing.T, h *servertest.Harness, email string) cloudemu.RoleAssignments {
	t.Helper()
	id, ok := seed(h).Members[email]
	if !ok {
		t.Fatalf("no seeded member %s", email)
	}
	ra, ok := h.Sandbox.Cloud.RoleAssignmentsOf(id)
	if !ok {
		t.Fatalf("%s is no longer a member", email)
	}
	return ra
}

func isMember(h *servertest.Harness, email string) bool {
	_, ok := h.Sandbox.Cloud.RoleAssignmentsOf(seed(h).Members[email])
	return ok
}

// asJSON renders v for substring checks and failure messages.
func asJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func list(m map[string]any, key string) []any {
	v, _ := m[key].([]any)
	return v
}

func mustContain(t *testing.T, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Fatalf("%q does not contain %q", s, sub)
		}
	}
}

func mustNotContain(t *testing.T, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if sub != "" && strings.Contains(s, sub) {
			t.Fatalf("output leaks %q: %s", sub, s)
		}
	}
}

// membersOut lists the emails of a list_org_members page.
func emails(out map[string]any) []string {
	var es []string
	for _, m := range list(out, "members") {
		es = append(es, m.(map[string]any)["email"].(string))
	}
	return es
}

func hasProjectRole(ra cloudemu.RoleAssignments, projectType, roleID, projectID string, apps ...string) bool {
	for _, a := range ra.Project.ByType(projectType) {
		if a.RoleID != roleID || (projectID != "" && !contains(a.ProjectIDs, projectID)) {
			continue
		}
		if len(apps) == 0 && len(a.ApplicationRoles) == 0 {
			return true
		}
		if len(apps) > 0 && strings.Join(a.ApplicationRoles, ",") == strings.Join(apps, ",") {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
