package cloudemu

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
)

func TestSeedDemo(t *testing.T) {
	e := newEnv(t, Options{})
	s := e.seed
	if s.OrganizationName != "Demo Organization" || s.OwnerEmail != "owner@example.com" || s.PendingInvitationEmail != "dave@example.com" {
		t.Fatalf("seed %+v", s)
	}
	names := map[string]string{}
	for typ, p := range s.Projects {
		names[typ] = p.Name
		if p.Type != typ || !projectIDPattern.MatchString(p.ID) || p.OrganizationID != s.OrganizationID {
			t.Fatalf("project %+v", p)
		}
	}
	if names["elasticsearch"] != "search-demo" || names["observability"] != "obs-demo" || names["security"] != "sec-demo" {
		t.Fatalf("projects %v", names)
	}
	ms := e.members()
	for email, id := range s.Members {
		if ms[email].UserID != id {
			t.Fatalf("member %s: %+v", email, ms[email])
		}
	}
	if len(s.Members) != 4 {
		t.Fatalf("members %v", s.Members)
	}
	// The variety promised: organization, deployment and project scopes, and
	// a custom role through application_roles.
	bob, carol := ms[DemoBobEmail].RoleAssignments, ms[DemoCarolEmail].RoleAssignments
	if !bob.HasOrganizationRole(s.OrganizationID, "billing-admin") ||
		!slices.Equal(bob.ApplicationRolesFor(TypeObservability, s.Projects[TypeObservability].ID), []string{"logs-reader"}) {
		t.Fatalf("bob %+v", bob)
	}
	if len(carol.Deployment) != 1 || carol.Deployment[0].RoleID != "deployment-editor" ||
		!slices.Equal(carol.Deployment[0].DeploymentIDs, []string{s.DeploymentID}) {
		t.Fatalf("carol %+v", carol)
	}
	if inv := e.invitations()[DemoDaveEmail]; inv.Token != s.PendingInvitationToken || inv.Expired {
		t.Fatalf("dave %+v", inv)
	}
	// Keys.
	owner, ok := e.emu.AuthenticateKey(s.OwnerAPIKey)
	if !ok || owner.ID != s.OwnerAPIKeyID || owner.UserID != s.OwnerUserID || owner.OrganizationID != s.OrganizationID ||
		!owner.RoleAssignments.HasOrganizationRole(s.OrganizationID, "organization-admin") {
		t.Fatalf("owner key %+v", owner)
	}
	for _, p := range s.Projects {
		if got := owner.RoleAssignments.ApplicationRolesFor(p.Type, p.ID); !slices.Equal(got, []string{"admin"}) {
			t.Fatalf("owner stack roles on %s: %v", p.Name, got)
		}
	}
	member, ok := e.emu.AuthenticateKey(s.MemberAPIKey)
	if !ok || member.ID != s.MemberAPIKeyID || member.UserID != s.Members[DemoAliceEmail] {
		t.Fatalf("member key %+v", member)
	}
	if got := member.RoleAssignments.ApplicationRolesFor(TypeElasticsearch, s.Projects[TypeElasticsearch].ID); !slices.Equal(got, []string{"viewer"}) {
		t.Fatalf("member stack roles %v", got)
	}
	if got := member.RoleAssignments.ApplicationRolesFor(TypeSecurity, s.Projects[TypeSecurity].ID); len(got) != 0 {
		t.Fatalf("member stack roles on security %v", got)
	}
}

// Ids, tokens and keys are random per run.
func TestSeedIsRandom(t *testing.T) {
	a, b := New(Options{}).SeedDemo(), New(Options{}).SeedDemo()
	if a.OwnerAPIKey == b.OwnerAPIKey || a.OrganizationID == b.OrganizationID || a.PendingInvitationToken == b.PendingInvitationToken ||
		a.Projects[TypeSecurity].ID == b.Projects[TypeSecurity].ID || a.OwnerUserID == b.OwnerUserID {
		t.Fatal("two seeds share identifiers")
	}
}

// No source file of the package holds a real-looking Cloud key.
func TestNoKeyLiteralsInSources(t *testing.T) {
	re := regexp.MustCompile(`essu_[A-Za-z0-9+/=_-]{30,}`)
	files, _ := filepath.Glob("*")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if re.Match(b) {
			t.Errorf("%s contains a key-like literal", f)
		}
	}
}

func TestProjectApplicationRoles(t *testing.T) {
	e := newEnv(t, Options{})
	s := e.seed
	search, sec := s.Projects[TypeElasticsearch].ID, s.Projects[TypeSecurity].ID
	if _, roles, ok := e.emu.ProjectApplicationRoles(s.MemberAPIKey, search); !ok || !slices.Equal(roles, []string{"viewer"}) {
		t.Fatalf("member on search: %v %v", roles, ok)
	}
	if _, roles, ok := e.emu.ProjectApplicationRoles(s.MemberAPIKey, sec); !ok || len(roles) != 0 {
		t.Fatalf("member on security: %v %v", roles, ok)
	}
	if _, _, ok := e.emu.ProjectApplicationRoles("essu_nope", search); ok {
		t.Fatal("unknown key accepted")
	}
	if _, _, ok := e.emu.ProjectApplicationRoles(s.OwnerAPIKey, "nosuchproject"); ok {
		t.Fatal("unknown project accepted")
	}
	// An organization-wide grant of another organization does not reach
	// this organization's projects.
	other := e.emu.AddOrganization("Other")
	admin := e.emu.AddMemberTo(other, "o@example.com", RoleAssignments{Organization: []OrganizationRoleAssignment{{RoleID: "organization-admin"}}})
	_, key := e.emu.CreateKey(admin, "k", 0, RoleAssignments{Organization: []OrganizationRoleAssignment{
		{RoleID: "organization-admin", ApplicationRoles: []string{"admin"}}}})
	if _, roles, ok := e.emu.ProjectApplicationRoles(key, search); ok {
		t.Fatalf("foreign key got %v", roles)
	}
}
