package cloudemu

import (
	"slices"
	"testing"
	"time"
)

func (e *env) invitations() map[string]OrganizationInvitation {
	e.t.Helper()
	r := e.owner("GET", e.orgPath("/invitations"), nil)
	r.want(e.t, 200, "")
	var l OrganizationInvitations
	r.decode(e.t, &l)
	out := map[string]OrganizationInvitation{}
	for _, inv := range l.Invitations {
		out[inv.Email] = inv
	}
	return out
}

func TestCreateInvitations(t *testing.T) {
	e := newEnv(t, Options{})
	org := e.seed.OrganizationID
	body := map[string]any{
		"emails":     []string{"erin@example.com", "frank@example.com"},
		"expires_in": "7d",
		"role_assignments": RoleAssignments{Deployment: []DeploymentRoleAssignment{
			{RoleID: "deployment-viewer", OrganizationID: org, All: true}}},
	}
	r := e.owner("POST", e.orgPath("/invitations"), body)
	r.want(t, 201, "")
	var got OrganizationInvitations
	r.decode(t, &got)
	if len(got.Invitations) != 2 {
		t.Fatalf("%d invitations", len(got.Invitations))
	}
	a, b := got.Invitations[0], got.Invitations[1]
	if a.Email != "erin@example.com" || b.Email != "frank@example.com" || a.Token == "" || a.Token == b.Token {
		t.Fatalf("invitations %+v", got.Invitations)
	}
	if !a.ExpiresAt.Equal(e.clock.Now().Add(7*24*time.Hour)) || a.Expired || a.AcceptedAt != nil ||
		a.Organization.ID != org || a.Organization.Name != DemoOrganizationName {
		t.Fatalf("invitation %+v", a)
	}
	if a.RoleAssignments == nil || len(a.RoleAssignments.Deployment) != 1 || !a.RoleAssignments.Deployment[0].All {
		t.Fatalf("role assignments %+v", a.RoleAssignments)
	}
	l := e.invitations()
	if len(l) != 3 || l["erin@example.com"].Token != a.Token {
		t.Fatalf("list %+v", l)
	}
}

func TestInvitationExpiry(t *testing.T) {
	e := newEnv(t, Options{})
	now := e.clock.Now()
	for _, tc := range []struct {
		expiresIn string
		want      time.Duration
	}{
		{"", 72 * time.Hour}, // the documented default
		{"72h", 72 * time.Hour},
		{"3d", 72 * time.Hour},
		{"24h", 24 * time.Hour},
		{now.Add(48 * time.Hour).Format(time.RFC3339), 48 * time.Hour}, // the spec's "date and time" reading
	} {
		email := "ttl" + tc.expiresIn[:min(2, len(tc.expiresIn))] + "@example.com"
		r := e.owner("POST", e.orgPath("/invitations"), OrganizationInvitationRequest{Emails: []string{email}, ExpiresIn: tc.expiresIn})
		r.want(t, 201, "")
		var got OrganizationInvitations
		r.decode(t, &got)
		if d := got.Invitations[0].ExpiresAt.Sub(now); d != tc.want {
			t.Errorf("expires_in %q: expires after %v, want %v", tc.expiresIn, d, tc.want)
		}
	}
	for _, bad := range []string{"soon", "-1d", "0h", "2020-01-01T00:00:00Z"} {
		r := e.owner("POST", e.orgPath("/invitations"), OrganizationInvitationRequest{Emails: []string{"bad@example.com"}, ExpiresIn: bad})
		r.want(t, 400, codeInvalidData)
		if f := r.fields(t); !slices.Equal(f, []string{"expires_in"}) {
			t.Errorf("fields %v", f)
		}
	}
}

func TestInvitationErrors(t *testing.T) {
	e := newEnv(t, Options{})
	post := func(emails ...string) response {
		return e.owner("POST", e.orgPath("/invitations"), OrganizationInvitationRequest{Emails: emails})
	}
	post("not-an-email").want(t, 400, codeInvalidEmail)
	post("Name <x@example.com>").want(t, 400, codeInvalidEmail)
	post(DemoAliceEmail).want(t, 400, codeAlreadyBelongs)
	post("ALICE@example.com").want(t, 400, codeAlreadyBelongs)
	post(DemoDaveEmail).want(t, 400, codeInviteExists)
	// All or nothing: the valid address in a failing request is not invited.
	post("gina@example.com", "not-an-email").want(t, 400, codeInvalidEmail)
	if _, ok := e.invitations()["gina@example.com"]; ok {
		t.Fatal("partial invitation")
	}
	e.owner("POST", e.orgPath("/invitations"), OrganizationInvitationRequest{}, invalidOK).want(t, 400, codeInvalidData)
	e.owner("POST", e.orgPath("/invitations"), `{"emails":`, invalidOK).want(t, 400, codeInvalidData)
	e.owner("POST", api+"/organizations/999999999999/invitations", OrganizationInvitationRequest{Emails: []string{"h@example.com"}}).
		want(t, 404, codeOrgNotFound)
	other := e.emu.AddOrganization("Other")
	e.owner("POST", api+"/organizations/"+other+"/invitations", OrganizationInvitationRequest{Emails: []string{"h@example.com"}}).
		want(t, 404, codeNotSender)
	// Role assignments are validated like everywhere else.
	r := e.owner("POST", e.orgPath("/invitations"), OrganizationInvitationRequest{Emails: []string{"h@example.com"},
		RoleAssignments: &RoleAssignments{Organization: []OrganizationRoleAssignment{{RoleID: "superuser", OrganizationID: e.seed.OrganizationID}}}})
	r.want(t, 400, codeInvalidRole)
	if f := r.fields(t); !slices.Equal(f, []string{"role_assignments.organization[0].role_id"}) {
		t.Fatalf("fields %v", f)
	}
}

// With RefreshInvitations, re-inviting refreshes the open invitation.
func TestInvitationRefresh(t *testing.T) {
	e := newEnv(t, Options{RefreshInvitations: true})
	before := e.invitations()[DemoDaveEmail]
	e.clock.Advance(time.Hour)
	r := e.owner("POST", e.orgPath("/invitations"), OrganizationInvitationRequest{Emails: []string{DemoDaveEmail}, ExpiresIn: "1d"})
	r.want(t, 201, "")
	after := e.invitations()[DemoDaveEmail]
	if after.Token != before.Token || !after.ExpiresAt.Equal(e.clock.Now().Add(24*time.Hour)) || after.RoleAssignments != nil {
		t.Fatalf("before %+v after %+v", before, after)
	}
}

func TestExpiredInvitation(t *testing.T) {
	e := newEnv(t, Options{})
	e.clock.Advance(7 * 24 * time.Hour)
	dave := e.invitations()[DemoDaveEmail]
	if !dave.Expired {
		t.Fatalf("invitation not expired: %+v", dave)
	}
	e.owner("POST", api+"/organizations/invitations/"+dave.Token+"/_accept", nil).want(t, 404, codeInviteNotFound)
	// An expired invitation does not block a new one, which replaces it.
	e.owner("POST", e.orgPath("/invitations"), OrganizationInvitationRequest{Emails: []string{DemoDaveEmail}}).want(t, 201, "")
	fresh := e.invitations()[DemoDaveEmail]
	if fresh.Token == dave.Token || fresh.Expired {
		t.Fatalf("not replaced: %+v", fresh)
	}
}

func TestDeleteInvitations(t *testing.T) {
	e := newEnv(t, Options{})
	tok1 := e.emu.Invite("i1@example.com", 0, RoleAssignments{})
	tok2 := e.emu.Invite("i2@example.com", 0, RoleAssignments{})
	e.owner("DELETE", e.orgPath("/invitations/"+tok1+",unknown-token"), nil).want(t, 404, codeInviteNotFound)
	if len(e.invitations()) != 3 {
		t.Fatal("a failed delete removed invitations")
	}
	e.owner("DELETE", e.orgPath("/invitations/,,"), nil).want(t, 400, codeInvalidData)
	e.owner("DELETE", e.orgPath("/invitations/"+tok1+","+tok2), nil).want(t, 200, "")
	l := e.invitations()
	if len(l) != 1 || l[DemoDaveEmail].Token == "" {
		t.Fatalf("left %+v", l)
	}
	e.owner("DELETE", e.orgPath("/invitations/"+tok1), nil).want(t, 404, codeInviteNotFound)
}

func TestGetAndAcceptInvitation(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.seed.PendingInvitationToken
	var inv OrganizationInvitation
	r := e.member("GET", api+"/organizations/invitations/"+tok, nil)
	r.want(t, 200, "")
	r.decode(t, &inv)
	if inv.Email != DemoDaveEmail || inv.Token != tok || inv.RoleAssignments == nil {
		t.Fatalf("invitation %+v", inv)
	}
	e.owner("GET", api+"/organizations/invitations/nope", nil).want(t, 404, codeInviteNotFound)
	e.owner("POST", api+"/organizations/invitations/nope/_accept", nil).want(t, 404, codeInviteNotFound)

	e.clock.Advance(time.Minute)
	e.member("POST", api+"/organizations/invitations/"+tok+"/_accept", nil).want(t, 200, "")
	dave, ok := e.members()[DemoDaveEmail]
	if !ok {
		t.Fatal("dave is not a member after accepting")
	}
	es := dave.RoleAssignments.Project.Elasticsearch
	if len(es) != 1 || es[0].RoleID != "elasticsearch-developer" || !slices.Equal(es[0].ProjectIDs, []string{e.seed.Projects[TypeElasticsearch].ID}) ||
		!dave.MemberSince.Equal(e.clock.Now()) {
		t.Fatalf("dave %+v", dave)
	}
	if _, ok := e.invitations()[DemoDaveEmail]; ok {
		t.Fatal("an accepted invitation is still listed as open")
	}
	e.owner("GET", api+"/organizations/invitations/"+tok, nil).decode(t, &inv)
	if inv.AcceptedAt == nil || !inv.AcceptedAt.Equal(e.clock.Now()) {
		t.Fatalf("accepted_at %v", inv.AcceptedAt)
	}
	e.owner("POST", api+"/organizations/invitations/"+tok+"/_accept", nil).want(t, 400, codeAlreadyBelongs)
}
