package cloudemu

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

// Every endpoint answers 401 root.unauthorized without a valid key.
func TestUnauthenticatedRequestsAre401(t *testing.T) {
	e := newEnv(t, Options{})
	paths := []struct{ method, path string }{
		{"GET", api + "/account"},
		{"GET", api + "/organizations"},
		{"GET", e.orgPath("")},
		{"GET", e.orgPath("/members")},
		{"DELETE", e.orgPath("/members/123")},
		{"GET", e.orgPath("/invitations")},
		{"GET", api + "/organizations/invitations/" + e.seed.PendingInvitationToken},
		{"GET", api + "/users/auth/keys"},
		{"GET", api + "/users/auth/keys/" + e.seed.OwnerAPIKeyID},
		{"DELETE", api + "/users/auth/keys/" + e.seed.OwnerAPIKeyID},
	}
	for _, tc := range []struct {
		name   string
		header string
	}{
		{"missing", ""},
		{"wrong scheme", "Bearer " + e.seed.OwnerAPIKey},
		{"unknown key", "ApiKey essu_unknown"},
		{"empty key", "ApiKey "},
	} {
		for _, p := range paths {
			t.Run(tc.name+" "+p.method+" "+p.path, func(t *testing.T) {
				var opts []reqOpt
				if tc.header != "" {
					opts = append(opts, withHeader("Authorization", tc.header))
				}
				r := e.do(p.method, p.path, "", nil, opts...)
				r.want(t, http.StatusUnauthorized, codeUnauthorized)
				if r.header.Get("X-Elastic-Api-Key-Expiration") != "" {
					t.Error("expiration header on an unauthenticated reply")
				}
			})
		}
	}
	// The state was not touched by any of those.
	if _, ok := e.emu.AuthenticateKey(e.seed.OwnerAPIKey); !ok {
		t.Fatal("owner key no longer authenticates")
	}
}

func TestAuthSchemeIsCaseInsensitive(t *testing.T) {
	e := newEnv(t, Options{})
	e.do("GET", api+"/organizations", "", nil, withHeader("Authorization", "apikey "+e.seed.OwnerAPIKey)).want(t, 200, "")
}

func TestExpirationHeader(t *testing.T) {
	e := newEnv(t, Options{})
	r := e.owner("GET", api+"/organizations", nil)
	r.want(t, 200, "")
	want := e.clock.Now().Add(90 * 24 * time.Hour).Format(time.RFC3339)
	if got := r.header.Get("X-Elastic-Api-Key-Expiration"); got != want {
		t.Fatalf("X-Elastic-Api-Key-Expiration %q, want %q", got, want)
	}
	// Error replies to an authenticated key carry it too.
	r = e.member("POST", e.orgPath("/invitations"), OrganizationInvitationRequest{Emails: []string{"x@example.com"}})
	r.want(t, 403, codeInvalidAuth)
	if r.header.Get("X-Elastic-Api-Key-Expiration") != want {
		t.Fatal("no expiration header on an error reply")
	}
	// A key without expiry has nothing to announce.
	_, forever := e.emu.CreateKey(e.seed.OwnerUserID, "forever", 0, RoleAssignments{})
	r = e.do("GET", api+"/organizations", forever, nil)
	r.want(t, 200, "")
	if h := r.header.Get("X-Elastic-Api-Key-Expiration"); h != "" {
		t.Fatalf("expiration header %q for a key that never expires", h)
	}
}

func TestRateLimitHeadersAnd429(t *testing.T) {
	e := newEnv(t, Options{RateLimit: 2})
	for i := 1; i <= 2; i++ {
		r := e.owner("GET", api+"/organizations", nil)
		r.want(t, 200, "")
		if got := r.header.Get("X-Ratelimit-Limit"); got != "2" {
			t.Fatalf("x-ratelimit-limit %q", got)
		}
		if got := r.header.Get("X-Ratelimit-Remaining"); got != strconv.Itoa(2-i) {
			t.Fatalf("call %d: x-ratelimit-remaining %q", i, got)
		}
		if r.header.Get("X-Ratelimit-Interval") == "" {
			t.Fatal("no x-ratelimit-interval")
		}
	}
	r := e.owner("GET", api+"/organizations", nil)
	r.want(t, http.StatusTooManyRequests, codeRateLimited)
	// The quota is per key.
	e.member("GET", api+"/organizations", nil).want(t, 200, "")
	// A new window restores it.
	e.clock.Advance(time.Minute)
	e.owner("GET", api+"/organizations", nil).want(t, 200, "")
}

func TestExpiredAndDeletedKeysAre401(t *testing.T) {
	e := newEnv(t, Options{})
	_, key := e.emu.CreateKey(e.seed.OwnerUserID, "short", time.Hour, RoleAssignments{})
	e.do("GET", api+"/organizations", key, nil).want(t, 200, "")
	e.clock.Advance(time.Hour)
	e.do("GET", api+"/organizations", key, nil).want(t, 401, codeUnauthorized)
	if _, ok := e.emu.AuthenticateKey(key); ok {
		t.Fatal("AuthenticateKey accepts an expired key")
	}

	id, key := e.emu.CreateKey(e.seed.OwnerUserID, "doomed", 0, RoleAssignments{})
	e.owner("DELETE", api+"/users/auth/keys/"+id, nil).want(t, 200, "")
	e.do("GET", api+"/organizations", key, nil).want(t, 401, codeUnauthorized)
}

// A key keeps working after its creator leaves the organization (reference
// §1.2), with the authority of its own role assignments.
func TestKeySurvivesCreatorRemoval(t *testing.T) {
	e := newEnv(t, Options{})
	admin := e.emu.AddMember("second-owner@example.com", RoleAssignments{
		Organization: []OrganizationRoleAssignment{{RoleID: "organization-admin"}}})
	_, key := e.emu.CreateKey(admin, "survivor", 0, RoleAssignments{})
	e.owner("DELETE", e.orgPath("/members/"+admin), nil).want(t, 200, "")
	e.do("GET", e.orgPath("/members"), key, nil).want(t, 200, "")
	e.do("POST", e.orgPath("/invitations"), key, OrganizationInvitationRequest{Emails: []string{"new@example.com"}}).want(t, 201, "")
}

// Plain members may read but not write; each write answers 403 with the code
// its operation documents (or root.permission_denied where none is).
func TestMemberWritesAre403(t *testing.T) {
	e := newEnv(t, Options{})
	alice := e.seed.Members[DemoAliceEmail]
	ra := RoleAssignments{Organization: []OrganizationRoleAssignment{{RoleID: "billing-admin", OrganizationID: e.seed.OrganizationID}}}
	for _, tc := range []struct {
		method, path string
		body         any
		code         string
	}{
		{"POST", e.orgPath("/invitations"), OrganizationInvitationRequest{Emails: []string{"x@example.com"}}, codeInvalidAuth},
		{"DELETE", e.orgPath("/invitations/" + e.seed.PendingInvitationToken), nil, codePermissionDenied},
		{"DELETE", e.orgPath("/members/" + e.seed.Members[DemoBobEmail]), nil, codePermissionDenied},
		{"POST", api + "/users/" + alice + "/role_assignments", ra, codeUnauthorizedRA},
		{"DELETE", api + "/users/" + alice + "/role_assignments", ra, codeUnauthorizedRA},
		{"POST", api + "/users/auth/keys", CreateAPIKeyRequest{Description: "mine"}, codePermissionDenied},
		{"GET", api + "/users/auth/keys", nil, codePermissionDenied},
		{"GET", api + "/users/auth/keys/" + e.seed.MemberAPIKeyID, nil, codePermissionDenied},
		{"DELETE", api + "/users/auth/keys/" + e.seed.MemberAPIKeyID, nil, codePermissionDenied},
		{"DELETE", api + "/users/auth/keys", DeleteAPIKeysRequest{Keys: []string{e.seed.OwnerAPIKeyID}}, codePermissionDenied},
		{"PUT", api + "/account", AccountUpdateRequest{Trust: &AccountTrustSettings{TrustAll: false}}, codePermissionDenied},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			e.member(tc.method, tc.path, tc.body).want(t, 403, tc.code)
		})
	}
	// Nothing changed.
	ms := e.members()
	if len(ms) != 4 || len(ms[DemoAliceEmail].RoleAssignments.Organization) != 0 {
		t.Fatalf("members changed: %+v", ms)
	}
	if _, ok := e.emu.AuthenticateKey(e.seed.OwnerAPIKey); !ok {
		t.Fatal("owner key deleted by a member")
	}
	if _, ok := e.emu.AuthenticateKey(e.seed.MemberAPIKey); !ok {
		t.Fatal("member key deleted by a member")
	}
}

// Reads are open to every member.
func TestMemberReads(t *testing.T) {
	e := newEnv(t, Options{})
	for _, p := range []string{api + "/organizations", e.orgPath(""), e.orgPath("/members"), e.orgPath("/invitations"), api + "/account",
		api + "/serverless/projects/elasticsearch"} {
		e.member("GET", p, nil).want(t, 200, "")
	}
}

// Unknown paths and methods get the Cloud envelope too. These bypass the
// contract client: the paths are deliberately not in the contract.
func TestUnknownPathAndMethod(t *testing.T) {
	e := newEnv(t, Options{})
	for _, tc := range []struct {
		method, path string
		status       int
		code         string
	}{
		{"GET", api + "/nope", 404, codeNotFound},
		{"GET", "/", 404, codeNotFound},
		{"PUT", api + "/organizations", 405, codeMethodNotAllowed},
		{"POST", api + "/users/auth/keys/abc", 405, codeMethodNotAllowed},
	} {
		req, _ := http.NewRequest(tc.method, e.srv.URL+tc.path, nil)
		req.Header.Set("Authorization", "ApiKey "+e.seed.OwnerAPIKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status || resp.Header.Get("x-cloud-error-codes") != tc.code {
			t.Errorf("%s %s: %d %q, want %d %q", tc.method, tc.path, resp.StatusCode, resp.Header.Get("x-cloud-error-codes"), tc.status, tc.code)
		}
	}
}
