package tools_test

import (
	"slices"
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

// membersOut lists the emails of a list_org_members page.
func emails(out map[string]any) []string {
	var es []string
	for _, m := range asList(out["members"]) {
		es = append(es, m.(map[string]any)["email"].(string))
	}
	return es
}

func hasProjectRole(ra cloudemu.RoleAssignments, projectType, roleID, projectID string, apps ...string) bool {
	for _, a := range ra.Project.ByType(projectType) {
		if a.RoleID != roleID || (projectID != "" && !slices.Contains(a.ProjectIDs, projectID)) {
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
