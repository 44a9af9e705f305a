package cloudemu

import (
	"net/http"
	"testing"
)

// Reset undoes every change made through the API and keeps the credentials
// of the checkpoint working; the checkpoint itself is not shared with the
// live state, so a second round of changes is undone too.
func TestResetReturnsToCheckpoint(t *testing.T) {
	e := newEnv(t, Options{})
	e.emu.Checkpoint()
	for round := 0; round < 2; round++ {
		e.owner("DELETE", e.orgPath("/members/"+e.seed.Members[DemoBobEmail]), nil).want(t, 200, "")
		e.owner("DELETE", e.orgPath("/invitations/"+e.seed.PendingInvitationToken), nil).want(t, 200, "")
		e.owner("POST", api+"/users/"+e.seed.Members[DemoAliceEmail]+"/role_assignments", RoleAssignments{
			Organization: []OrganizationRoleAssignment{{RoleID: "billing-admin", OrganizationID: e.seed.OrganizationID}},
		}).want(t, 200, "")
		e.emu.Reset()
		ms := e.members()
		if len(ms) != 4 || ms[DemoAliceEmail].RoleAssignments.HasOrganizationRole(e.seed.OrganizationID, "billing-admin") {
			t.Fatalf("round %d: members after reset %+v", round, ms)
		}
		if _, ok := ms[DemoBobEmail]; !ok {
			t.Fatalf("round %d: bob is not back", round)
		}
		if inv := e.invitations()[DemoDaveEmail]; inv.Token != e.seed.PendingInvitationToken {
			t.Fatalf("round %d: invitation %+v", round, inv)
		}
		if r := e.member("GET", e.orgPath("/members"), nil); r.status != http.StatusOK && r.status != http.StatusForbidden {
			t.Fatalf("round %d: member key no longer authenticates: %d", round, r.status)
		}
	}
}

// Without a checkpoint Reset empties the emulator; SeedMinimal then gives
// the owner alone, with a working key and no demo content.
func TestSeedMinimal(t *testing.T) {
	emu := New(Options{})
	emu.SeedDemo()
	emu.Reset()
	s := emu.SeedMinimal(TypeElasticsearch)
	if len(s.Members) != 1 || s.Members[DemoOwnerEmail] == "" || len(s.Projects) != 1 || s.MemberAPIKey != "" || s.PendingInvitationToken != "" {
		t.Fatalf("minimal seed %+v", s)
	}
	if _, ok := emu.AuthenticateKey(s.OwnerAPIKey); !ok {
		t.Fatal("owner key does not authenticate")
	}
	emu.mu.Lock()
	defer emu.mu.Unlock()
	if len(emu.orgs) != 1 || len(emu.users) != 1 || len(emu.invitations) != 0 || len(emu.keys) != 1 || len(emu.projects) != 1 {
		t.Fatalf("state: %d orgs, %d users, %d invitations, %d keys, %d projects",
			len(emu.orgs), len(emu.users), len(emu.invitations), len(emu.keys), len(emu.projects))
	}
	for _, p := range emu.projects {
		if len(p.roles) == 0 {
			t.Fatal("the project lists no predefined roles")
		}
		for _, r := range p.roles {
			for _, c := range DemoCustomRoles {
				if r.Name == c.Name {
					t.Fatalf("custom demo role %s in a minimal seed", r.Name)
				}
			}
		}
	}
}
