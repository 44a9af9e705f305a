package stackemu

import (
	"strings"
	"testing"

	"github.com/elastic/go-elasticsearch/v9"
)

// The token service: password, client_credentials and refresh grants,
// Bearer authentication, invalidation, and a password change ending the
// user's tokens.
func TestTokenService(t *testing.T) {
	e := newCleanEnv(t, FlavorStack)
	es := esClient(t, e, elasticsearch.WithBasicAuth(e.seed.AdminUsername, e.seed.AdminPassword))
	e.newUser("alice", []string{"viewer"})
	expectStatus(t, e.call("PUT", "/_security/user/alice/_password", e.admin, map[string]any{"password": "alice-password"}), 200)

	res, err := es.Security.GetToken(strings.NewReader(`{"grant_type":"password","username":"alice","password":"alice-password"}`))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("password grant: %v %v", err, res)
	}
	tok := readBody(t, res.Body)
	res.Body.Close()
	access, refresh := tok["access_token"].(string), tok["refresh_token"].(string)
	if tok["type"] != "Bearer" || tok["expires_in"] != float64(1200) || access == "" || refresh == "" ||
		tok["authentication"].(map[string]any)["username"] != "alice" {
		t.Fatalf("token: %v", tok)
	}
	r := e.call("GET", "/_security/_authenticate", "Bearer "+access, nil)
	expectStatus(t, r, 200)
	if r.str("username") != "alice" || r.str("authentication_type") != "token" || r.str("authentication_realm.type") != "native" {
		t.Errorf("bearer: %s", r.raw)
	}
	// The token carries alice's privileges, not the caller's.
	expectStatus(t, e.call("GET", "/_security/user", "Bearer "+access, nil), 403)

	r = e.call("POST", "/_security/oauth2/token", e.admin, map[string]any{"grant_type": "password", "username": "alice", "password": "wrong-password"})
	if r.status != 400 || r.body["error"] != "invalid_grant" {
		t.Errorf("wrong password: %d %s", r.status, r.raw)
	}
	r = e.call("POST", "/_security/oauth2/token", e.admin, map[string]any{"grant_type": "implicit"})
	expectStatus(t, r, 400)
	// Without manage_token the API is refused.
	expectStatus(t, e.call("POST", "/_security/oauth2/token", basic("alice", "alice-password"),
		map[string]any{"grant_type": "client_credentials"}), 403)

	// Refresh: a new pair; the old access token and the refresh token die.
	r = e.call("POST", "/_security/oauth2/token", e.admin, map[string]any{"grant_type": "refresh_token", "refresh_token": refresh})
	expectStatus(t, r, 200)
	access2 := r.str("access_token")
	expectStatus(t, e.call("GET", "/_security/_authenticate", "Bearer "+access, nil), 401)
	expectStatus(t, e.call("GET", "/_security/_authenticate", "Bearer "+access2, nil), 200)
	r = e.call("POST", "/_security/oauth2/token", e.admin, map[string]any{"grant_type": "refresh_token", "refresh_token": refresh})
	if r.status != 400 || r.body["error"] != "invalid_grant" {
		t.Errorf("second refresh: %d %s", r.status, r.raw)
	}

	// client_credentials: a token for the caller, without refresh token.
	r = e.call("POST", "/_security/oauth2/token", e.admin, map[string]any{"grant_type": "client_credentials"})
	expectStatus(t, r, 200)
	if r.get("refresh_token") != nil || r.str("authentication.username") != "admin" {
		t.Errorf("client_credentials: %s", r.raw)
	}
	adminToken := r.str("access_token")

	// Invalidate by token.
	res, err = es.Security.InvalidateToken(strings.NewReader(`{"token":"` + adminToken + `"}`))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("invalidate: %v %v", err, res)
	}
	if m := readBody(t, res.Body); m["invalidated_tokens"] != float64(1) {
		t.Errorf("invalidate: %v", m)
	}
	res.Body.Close()
	expectStatus(t, e.call("GET", "/_security/_authenticate", "Bearer "+adminToken, nil), 401)

	// A password change invalidates alice's tokens.
	expectStatus(t, e.call("PUT", "/_security/user/alice/_password", e.admin, map[string]any{"password": "another-password"}), 200)
	r = e.call("GET", "/_security/_authenticate", "Bearer "+access2, nil)
	if r.status != 401 || len(r.header.Values("WWW-Authenticate")) == 0 {
		t.Errorf("token after a password change: %d %s", r.status, r.raw)
	}
	r = e.call("DELETE", "/_security/oauth2/token", e.admin, map[string]any{"username": "alice"})
	expectStatus(t, r, 200)
	if r.body["invalidated_tokens"] != float64(0) || r.body["previously_invalidated_tokens"].(float64) < 1 {
		t.Errorf("invalidate by username: %s", r.raw)
	}
}

// User profiles: activation by password and by access token, get by uid,
// and _has_privileges over profiles.
func TestUserProfiles(t *testing.T) {
	e := newCleanEnv(t, FlavorStack)
	expectStatus(t, e.call("PUT", "/_security/role/logs", e.admin, map[string]any{
		"indices": []any{map[string]any{"names": []string{"logs-*"}, "privileges": []string{"read"}}}}), 200)
	for _, u := range []string{"reader", "other"} {
		roles := []string{}
		if u == "reader" {
			roles = []string{"logs"}
		}
		expectStatus(t, e.call("PUT", "/_security/user/"+u, e.admin, map[string]any{"password": u + "-password", "roles": roles}), 200)
	}
	r := e.call("POST", "/_security/profile/_activate", e.admin, map[string]any{"grant_type": "password", "username": "reader", "password": "reader-password"})
	expectStatus(t, r, 200)
	readerUID := r.str("uid")
	if !strings.HasPrefix(readerUID, "u_") || r.str("user.username") != "reader" || r.get("enabled") != true {
		t.Fatalf("activate: %s", r.raw)
	}
	tok := e.call("POST", "/_security/oauth2/token", e.admin, map[string]any{"grant_type": "password", "username": "other", "password": "other-password"})
	r = e.call("POST", "/_security/profile/_activate", e.admin, map[string]any{"grant_type": "access_token", "access_token": tok.str("access_token")})
	expectStatus(t, r, 200)
	otherUID := r.str("uid")
	// Activating again keeps the uid.
	r = e.call("POST", "/_security/profile/_activate", e.admin, map[string]any{"grant_type": "password", "username": "reader", "password": "reader-password"})
	if r.str("uid") != readerUID {
		t.Errorf("second activation changed the uid: %s", r.raw)
	}
	expectStatus(t, e.call("POST", "/_security/profile/_activate", e.admin, map[string]any{"grant_type": "password", "username": "reader", "password": "nope-nope-nope"}), 401)

	r = e.call("GET", "/_security/profile/"+readerUID+",u_missing_0", e.admin, nil)
	expectStatus(t, r, 200)
	if len(r.get("profiles").([]any)) != 1 || r.get("errors.count") != float64(1) {
		t.Errorf("get profiles: %s", r.raw)
	}
	r = e.call("POST", "/_security/profile/_has_privileges", e.admin, map[string]any{"uids": []string{readerUID, otherUID, "u_missing_0"},
		"privileges": map[string]any{"index": []any{map[string]any{"names": []string{"logs-1"}, "privileges": []string{"read"}}}}})
	expectStatus(t, r, 200)
	if got := r.get("has_privilege_uids").([]any); len(got) != 1 || got[0] != readerUID || r.get("errors.count") != float64(1) {
		t.Errorf("profile has_privileges: %s", r.raw)
	}
	// Activation needs manage_user_profile.
	expectStatus(t, e.call("POST", "/_security/profile/_activate", basic("reader", "reader-password"),
		map[string]any{"grant_type": "password", "username": "reader", "password": "reader-password"}), 403)
}
