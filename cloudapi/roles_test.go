package cloudapi_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/cloudapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/resources"
)

// The catalog is one list: every project type has its roles, every project
// role is named for its type, and RoleIDs holds each id once.
func TestCloudRoleCatalogIsConsistent(t *testing.T) {
	if len(cloudapi.ProjectRoleIDs) != len(cloudapi.ProjectTypes) {
		t.Errorf("project roles for %d types, %d project types", len(cloudapi.ProjectRoleIDs), len(cloudapi.ProjectTypes))
	}
	for _, typ := range cloudapi.ProjectTypes {
		ids := cloudapi.ProjectRoleIDs[typ]
		if !slices.Contains(ids, typ+"-admin") || !slices.Contains(ids, typ+"-viewer") {
			t.Errorf("%s lacks its admin or viewer role: %v", typ, ids)
		}
		for _, id := range ids {
			if !strings.HasPrefix(id, typ+"-") {
				t.Errorf("%s role %q is not in canonical form", typ, id)
			}
		}
	}
	all := cloudapi.RoleIDs()
	seen := map[string]bool{}
	for _, id := range all {
		if seen[id] {
			t.Errorf("%s listed twice", id)
		}
		seen[id] = true
		if !cloudapi.IsRoleID(id) {
			t.Errorf("IsRoleID(%q) = false", id)
		}
	}
	for _, id := range []string{"organization-admin", "billing-admin", "deployment-viewer", "security-t1-analyst"} {
		if !seen[id] {
			t.Errorf("%s missing", id)
		}
	}
	for _, bad := range []string{"viewer", "admin", "elasticsearch-editor", ""} {
		if cloudapi.IsRoleID(bad) {
			t.Errorf("IsRoleID(%q) = true; only canonical ids are", bad)
		}
	}
}

// The role catalog the server documents (the cloud-roles resource) names
// exactly the ids the tools accept.
func TestDocumentedCloudRolesAreTheCatalog(t *testing.T) {
	var documented []string
	for _, cat := range resources.CloudRoles("") {
		for _, r := range cat.Roles {
			documented = append(documented, r.ID)
		}
	}
	want := cloudapi.RoleIDs()
	slices.Sort(documented)
	slices.Sort(want)
	if !slices.Equal(documented, want) {
		t.Errorf("documented roles %v\ndiffer from the catalog %v", documented, want)
	}
}
