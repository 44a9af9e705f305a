package stackemu

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http/httptest"
	"sort"
	"strings"
	"time"
)

// profile is a user profile document (.security-profile): created on first
// activation, refreshed by later ones.
type profile struct {
	uid      string
	who      authn // username, roles, realm, full name and email at last sync
	enabled  bool
	lastSync time.Time
	seqNo    int
}

// profileUID is stable per username and realm, in Elasticsearch's
// u_<base64url>_<n> form.
func profileUID(username, realm string) string {
	sum := sha256.Sum256([]byte(username + "\x00" + realm))
	return "u_" + base64.RawURLEncoding.EncodeToString(sum[:]) + "_0"
}

func (p *profile) render() map[string]any {
	user := map[string]any{"username": p.who.username, "roles": nonNil(p.who.roles), "realm_name": p.who.realmName}
	if p.who.fullName != nil {
		user["full_name"] = *p.who.fullName
	}
	if p.who.email != nil {
		user["email"] = *p.who.email
	}
	return map[string]any{"uid": p.uid, "enabled": p.enabled, "last_synchronized": p.lastSync.UnixMilli(),
		"user": user, "labels": map[string]any{}, "data": map[string]any{},
		"_doc": map[string]any{"_primary_term": 1, "_seq_no": p.seqNo}}
}

// handleActivateProfile is POST /_security/profile/_activate with a password
// or access_token grant: it creates or updates the profile of the user the
// grant authenticates.
func handleActivateProfile(x *rctx) {
	v, ok := x.jsonBody(true)
	if !ok {
		return
	}
	if v.kind != 'o' {
		x.fail(parseError("failed to parse activate profile request: expected an object"))
		return
	}
	f := map[string]string{}
	for _, kv := range v.obj {
		switch kv.key {
		case "grant_type", "username", "password", "access_token":
			if kv.val == nil || kv.val.kind != 's' {
				x.fail(badRequest("x_content_parse_exception", "[1:2] [activate_profile_request] "+kv.key+" doesn't support values of type: "+kv.val.token()))
				return
			}
			f[kv.key] = kv.val.str
		default:
			x.fail(badRequest("x_content_parse_exception", "[1:2] [activate_profile_request] unknown field ["+kv.key+"]"))
			return
		}
	}
	var msgs []string
	switch f["grant_type"] {
	case "password":
		if f["username"] == "" {
			msgs = append(msgs, "username is missing")
		}
		if f["password"] == "" {
			msgs = append(msgs, "password is missing")
		}
	case "access_token":
		if f["access_token"] == "" {
			msgs = append(msgs, "access_token is missing")
		}
	case "":
		msgs = append(msgs, "grant_type is missing")
	default:
		msgs = append(msgs, "grant_type ["+f["grant_type"]+"] is not supported")
	}
	if e := actionValidation(msgs); e != nil {
		x.fail(e)
		return
	}
	if !x.authorize("cluster:admin/xpack/security/profile/activate") {
		return
	}
	c := x.c
	var a *authn
	if f["grant_type"] == "password" {
		a = c.authenticateUser(f["username"], f["password"])
	} else {
		a = c.authenticateToken(f["access_token"])
	}
	if a == nil {
		x.fail(unauthenticated("unable to authenticate user [" + f["username"] + "] for REST request [" + x.r.URL.RequestURI() + "]"))
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	uid := profileUID(a.username, a.realmName)
	p := c.profiles[uid]
	if p == nil {
		p = &profile{uid: uid, enabled: true}
		c.profiles[uid] = p
	} else {
		p.seqNo++
	}
	p.who = *a
	p.who.key, p.who.perm = nil, permission{}
	p.lastSync = c.now()
	x.ok(p.render())
}

// handleGetProfiles is GET /_security/profile/{uid}: found profiles, and
// per-uid errors for the others.
func handleGetProfiles(x *rctx) {
	uids := nameList(x.params["uid"])
	out := []any{}
	details := map[string]any{}
	x.c.mu.RLock()
	for _, uid := range uids {
		if p, ok := x.c.profiles[uid]; ok {
			out = append(out, p.render())
			continue
		}
		details[uid] = map[string]any{"type": "resource_not_found_exception", "reason": "profile document not found"}
	}
	x.c.mu.RUnlock()
	body := map[string]any{"profiles": out}
	if len(details) > 0 {
		body["errors"] = map[string]any{"count": len(details), "details": details}
	}
	x.ok(body)
}

// handleProfileHasPrivileges is POST /_security/profile/_has_privileges:
// which of the profiles' users hold every requested privilege, evaluated
// exactly as _has_privileges evaluates them for that user.
func handleProfileHasPrivileges(x *rctx) {
	v, ok := x.jsonBody(true)
	if !ok {
		return
	}
	var uids []string
	var privs *jv
	if v.kind == 'o' {
		for _, kv := range v.obj {
			switch kv.key {
			case "uids":
				l, ok := kv.val.strictStringArray()
				if !ok {
					x.fail(parseError("failed to parse profile has privileges request: [uids] must be an array of strings"))
					return
				}
				uids = l
			case "privileges":
				privs = kv.val
			default:
				x.fail(badRequest("x_content_parse_exception", "[1:2] [profile_has_privileges_request] unknown field ["+kv.key+"]"))
				return
			}
		}
	}
	var msgs []string
	if len(uids) == 0 {
		msgs = append(msgs, "profile uids must be provided")
	}
	if privs == nil {
		msgs = append(msgs, "privileges to check must be provided")
	}
	if e := actionValidation(msgs); e != nil {
		x.fail(e)
		return
	}
	raw, _ := json.Marshal(privs.toAny())
	has := []string{}
	details := map[string]any{}
	for _, uid := range uids {
		x.c.mu.RLock()
		p, ok := x.c.profiles[uid]
		var who authn
		if ok {
			who = p.who
			x.c.resolveRolesLocked(&who)
		}
		x.c.mu.RUnlock()
		if !ok {
			details[uid] = map[string]any{"type": "resource_not_found_exception", "reason": "profile document not found"}
			continue
		}
		rec := httptest.NewRecorder()
		sub := &rctx{c: x.c, w: rec, r: x.r, params: map[string]string{}, q: x.q, body: raw, who: &who}
		handleHasPrivileges(sub)
		var res map[string]any
		if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &res) != nil {
			// The privileges are malformed: answer as _has_privileges would.
			for k, vs := range rec.Header() {
				x.w.Header()[k] = vs
			}
			x.w.WriteHeader(rec.Code)
			_, _ = x.w.Write(rec.Body.Bytes())
			return
		}
		if res["has_all_requested"] == true {
			has = append(has, uid)
		}
	}
	sort.Strings(has)
	body := map[string]any{"has_privilege_uids": has}
	if len(details) > 0 {
		body["errors"] = map[string]any{"count": len(details), "details": details}
	}
	x.ok(body)
}

// handleSuggestProfiles is GET/POST /_security/profile/_suggest: profiles
// whose username, full name or email starts with name (every profile when
// name is empty), up to size (default 10).
func handleSuggestProfiles(x *rctx) {
	name, size := "", 10
	if len(x.body) > 0 {
		v, ok := x.jsonBody(false)
		if !ok {
			return
		}
		if v != nil && v.kind == 'o' {
			for _, kv := range v.obj {
				switch kv.key {
				case "name":
					if kv.val != nil && kv.val.kind == 's' {
						name = kv.val.str
					}
				case "size":
					var n int
					if kv.val != nil && json.Unmarshal([]byte(kv.val.token()), &n) == nil && n > 0 {
						size = n
					}
				}
			}
		}
	}
	if q := x.q.Get("name"); q != "" {
		name = q
	}
	lower := strings.ToLower(name)
	matches := func(p *profile) bool {
		if lower == "" {
			return true
		}
		fields := []string{p.who.username}
		if p.who.fullName != nil {
			fields = append(fields, *p.who.fullName)
		}
		if p.who.email != nil {
			fields = append(fields, *p.who.email)
		}
		for _, f := range fields {
			if strings.HasPrefix(strings.ToLower(f), lower) {
				return true
			}
		}
		return false
	}
	x.c.mu.RLock()
	var found []*profile
	for _, p := range x.c.profiles {
		if p.enabled && matches(p) {
			found = append(found, p)
		}
	}
	sort.Slice(found, func(i, j int) bool { return found[i].uid < found[j].uid })
	total := len(found)
	if len(found) > size {
		found = found[:size]
	}
	out := []any{}
	for _, p := range found {
		r := p.render()
		delete(r, "_doc")
		out = append(out, r)
	}
	x.c.mu.RUnlock()
	x.ok(map[string]any{"took": 0, "total": map[string]any{"value": total, "relation": "eq"}, "profiles": out})
}
