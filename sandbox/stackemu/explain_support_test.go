package stackemu

import (
	"slices"
	"testing"
)

// What explain_access and the skills' rules read: a native user's profile
// uid, profile suggestions (users of any realm who logged in), and Kibana's
// feature and space ids.
func TestProfileUIDSuggestAndKibanaCatalog(t *testing.T) {
	e := newEnv(t, FlavorStack)
	e.newUser("pat", []string{"viewer"})
	r := e.call("GET", "/_security/user/pat?with_profile_uid=true", e.admin, nil)
	expectStatus(t, r, 200)
	if r.get("pat.profile_uid") != nil {
		t.Fatalf("a user who never logged in has a profile: %s", r.raw)
	}
	pw := "pw-pat-secret-1"
	expectStatus(t, e.call("PUT", "/_security/user/pat", e.admin, map[string]any{"password": pw, "roles": []string{"viewer"}}), 200)
	act := e.call("POST", "/_security/profile/_activate", e.admin, map[string]any{"grant_type": "password", "username": "pat", "password": pw})
	expectStatus(t, act, 200)
	r = e.call("GET", "/_security/user/pat?with_profile_uid=true", e.admin, nil)
	if r.str("pat.profile_uid") != act.str("uid") {
		t.Fatalf("profile_uid = %q, want %q", r.str("pat.profile_uid"), act.str("uid"))
	}
	if r = e.call("GET", "/_security/user/pat", e.admin, nil); r.get("pat.profile_uid") != nil {
		t.Fatalf("profile_uid without asking: %s", r.raw)
	}

	s := e.call("POST", "/_security/profile/_suggest", e.admin, map[string]any{"name": "pa"})
	expectStatus(t, s, 200)
	profiles, _ := s.get("profiles").([]any)
	if len(profiles) != 1 || profiles[0].(map[string]any)["uid"] != act.str("uid") {
		t.Fatalf("suggest = %s", s.raw)
	}
	if s = e.call("POST", "/_security/profile/_suggest", e.admin, map[string]any{"name": "zz"}); len(s.get("profiles").([]any)) != 0 {
		t.Fatalf("suggest zz = %s", s.raw)
	}

	f := e.kibana("GET", "/api/features", e.admin, nil, false)
	expectStatus(t, f, 200)
	var ids []string
	for _, v := range f.list {
		ids = append(ids, v.(map[string]any)["id"].(string))
	}
	if !slices.Contains(ids, "dashboard") || slices.Contains(ids, "dashboards") {
		t.Fatalf("features = %v", ids)
	}
	sp := e.kibana("GET", "/api/spaces/space", e.admin, nil, false)
	expectStatus(t, sp, 200)
	if len(sp.list) == 0 || sp.list[0].(map[string]any)["id"] != "default" {
		t.Fatalf("spaces = %s", sp.raw)
	}
	expectStatus(t, e.kibana("GET", "/api/features", "", nil, false), 401)
}
