package cloudemu

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"
)

func TestListMembers(t *testing.T) {
	e := newEnv(t, Options{})
	ms := e.members()
	if len(ms) != 4 {
		t.Fatalf("%d members, want owner, alice, bob, carol: %v", len(ms), ms)
	}
	if _, ok := ms[DemoDaveEmail]; ok {
		t.Fatal("a pending invitee is listed as a member")
	}
	alice := ms[DemoAliceEmail]
	if alice.UserID != e.seed.Members[DemoAliceEmail] || alice.OrganizationID != e.seed.OrganizationID || alice.Name != "Alice" ||
		!alice.MemberSince.Equal(e.clock.Now()) {
		t.Fatalf("alice %+v", alice)
	}
	es := alice.RoleAssignments.Project.Elasticsearch
	if len(es) != 1 || es[0].RoleID != "elasticsearch-viewer" || es[0].All ||
		!slices.Equal(es[0].ProjectIDs, []string{e.seed.Projects[TypeElasticsearch].ID}) || es[0].OrganizationID != e.seed.OrganizationID {
		t.Fatalf("alice assignments %+v", alice.RoleAssignments)
	}
	if !ms[DemoOwnerEmail].RoleAssignments.HasOrganizationRole(e.seed.OrganizationID, "organization-admin") {
		t.Fatal("owner is not organization-admin")
	}
}

func TestDeleteMembersCommaSeparated(t *testing.T) {
	e := newEnv(t, Options{})
	x := e.emu.AddMember("x@example.com", RoleAssignments{})
	y := e.emu.AddMember("y@example.com", RoleAssignments{})
	e.owner("DELETE", e.orgPath("/members/"+x+","+y), nil).want(t, 200, "")
	ms := e.members()
	if _, ok := ms["x@example.com"]; ok {
		t.Fatal("x still a member")
	}
	if _, ok := ms["y@example.com"]; ok {
		t.Fatal("y still a member")
	}
	if len(ms) != 4 {
		t.Fatalf("%d members left", len(ms))
	}
	// A removed member can be invited again.
	e.owner("POST", e.orgPath("/invitations"), OrganizationInvitationRequest{Emails: []string{"x@example.com"}}).want(t, 201, "")
}

// One unknown id fails the whole request and removes nobody.
func TestDeleteMembersUnknownIsAllOrNothing(t *testing.T) {
	e := newEnv(t, Options{})
	bob := e.seed.Members[DemoBobEmail]
	r := e.owner("DELETE", e.orgPath("/members/"+bob+",1234567890123456"), nil)
	r.want(t, 404, codeMembershipMissing)
	if _, ok := e.members()[DemoBobEmail]; !ok {
		t.Fatal("bob was removed by a failed request")
	}
	// A member of another organization is not a membership here either.
	other := e.emu.AddOrganization("Other")
	stranger := e.emu.AddMemberTo(other, "stranger@example.com", RoleAssignments{})
	e.owner("DELETE", e.orgPath("/members/"+stranger), nil).want(t, 404, codeMembershipMissing)
	e.owner("DELETE", api+"/organizations/999999999999/members/"+bob, nil).want(t, 404, codeOrgNotFound)
}

// AddMembers at a size that keeps the race-detector run short; the
// 10,000-member organization is BenchmarkListTenThousandMembers.
func TestAddMembersBulk(t *testing.T) {
	e := newEnv(t, Options{})
	// The member list shape is contract-checked in the other tests; checking
	// thousands of entries under the race detector would dominate the run.
	e.client = &http.Client{Timeout: 30 * time.Second}
	e.emu.AddMembers(1500)
	e.emu.AddMembers(500) // a second batch continues the numbering
	r := e.owner("GET", e.orgPath("/members"), nil)
	r.want(t, 200, "")
	var ms OrganizationMemberships
	r.decode(t, &ms)
	if len(ms.Members) != 2004 {
		t.Fatalf("%d members", len(ms.Members))
	}
	seen := map[string]bool{}
	for _, m := range ms.Members {
		if seen[m.UserID] || seen[m.Email] || m.RoleAssignments.IsEmpty() {
			t.Fatalf("duplicate or roleless member %+v", m)
		}
		seen[m.UserID], seen[m.Email] = true, true
	}
}

func BenchmarkListTenThousandMembers(b *testing.B) {
	emu := New(Options{})
	seed := emu.SeedDemo()
	emu.AddMembers(10000)
	srv := httptest.NewServer(emu)
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/organizations/"+seed.OrganizationID+"/members", nil)
	req.Header.Set("Authorization", "ApiKey "+seed.OwnerAPIKey)
	for b.Loop() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			b.Fatal(resp, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}
