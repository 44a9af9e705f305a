package stackemu

import "strings"

// handleHasPrivileges evaluates the authenticated principal's privileges
// (reference §8.2). For an API key the answer is the intersection of the
// key's role descriptors and its limited_by snapshot.
func handleHasPrivileges(x *rctx) {
	user := x.who.username
	if p, ok := x.params["user"]; ok && p != user {
		x.fail(illegalArg("users may only check the privileges of their own account"))
		return
	}
	v, ok := x.jsonBody(false)
	if !ok {
		return
	}
	if v == nil {
		x.fail(parseError("request body or source parameter is required"))
		return
	}
	prefix := "failed to parse privileges check [" + user + "]. "
	if v.kind != 'o' {
		x.fail(parseError(prefix + "expected an object but found [" + v.token() + "] instead"))
		return
	}
	type idxReq struct {
		names []string
		privs []string
		ari   bool
	}
	var cluster []string
	var indices []idxReq
	var apps []appPriv
	seen := false
	for _, kv := range v.obj {
		switch kv.key {
		case "cluster":
			l, ok := kv.val.strictStringArray()
			if !ok {
				x.fail(parseError(prefix + "expected field [cluster] value to be an array of strings, but found [" + kv.val.token() + "] instead"))
				return
			}
			cluster, seen = l, true
		case "index":
			if kv.val == nil || kv.val.kind != 'a' {
				x.fail(parseError(prefix + "expected field [index] value to be an array, but found [" + kv.val.token() + "] instead"))
				return
			}
			for _, e := range kv.val.arr {
				if e == nil || e.kind != 'o' {
					x.fail(parseError(prefix + "expected an object but found [" + e.token() + "] instead"))
					return
				}
				var r idxReq
				for _, f := range e.obj {
					switch f.key {
					case "names":
						l, ok := f.val.stringList()
						if !ok {
							x.fail(parseError("failed to parse indices privileges for role [" + user + "]. expected field [names] value to be a string or an array of strings, but found [" + f.val.token() + "] instead"))
							return
						}
						r.names = l
					case "privileges":
						l, ok := f.val.strictStringArray()
						if !ok {
							x.fail(parseError("failed to parse indices privileges for role [" + user + "]. expected field [privileges] value to be an array of strings, but found [" + f.val.token() + "] instead"))
							return
						}
						r.privs = l
					case "allow_restricted_indices":
						if f.val == nil || f.val.kind != 'b' {
							x.fail(parseError("failed to parse indices privileges for role [" + user + "]. expected field [allow_restricted_indices] value to be a boolean, but found [" + f.val.token() + "] instead"))
							return
						}
						r.ari = f.val.b
					case "field_security", "query":
						x.fail(parseError("Field [" + f.key + "] is not supported in a has_privileges request"))
						return
					default:
						x.fail(parseError("failed to parse indices privileges for role [" + user + "]. unexpected field [" + f.key + "]"))
						return
					}
				}
				if r.names == nil {
					x.fail(parseError("failed to parse indices privileges for role [" + user + "]. missing required [names] field"))
					return
				}
				if r.privs == nil {
					x.fail(parseError("failed to parse indices privileges for role [" + user + "]. missing required [privileges] field"))
					return
				}
				indices = append(indices, r)
			}
			seen = true
		case "application", "applications":
			l, e := parseApplications(user, kv.val)
			if e != nil {
				x.fail(e)
				return
			}
			apps, seen = l, true
		default:
			x.fail(parseError(prefix + "unexpected field [" + kv.key + "]"))
			return
		}
	}
	if !seen {
		x.fail(parseError(prefix + "All privilege fields [cluster,index,applications] are missing"))
		return
	}
	for i, p := range cluster {
		cluster[i] = strings.ToLower(p)
		if !validClusterPrivilege(x.c.flavor, cluster[i]) {
			x.fail(illegalArg(unknownClusterPrivilegeMsg(x.c.flavor, cluster[i])))
			return
		}
	}
	for _, r := range indices {
		for _, p := range r.privs {
			if !validIndexPrivilege(strings.ToLower(p)) {
				x.fail(illegalArg(unknownIndexPrivilegeMsg(strings.ToLower(p))))
				return
			}
		}
	}

	x.c.mu.RLock()
	defer x.c.mu.RUnlock()
	perm := x.who.perm
	all := true
	clusterOut := map[string]bool{}
	for _, p := range cluster {
		ok := perm.clusterPrivilege(p)
		clusterOut[p] = ok
		all = all && ok
	}
	// Entries naming the same index are merged into one map.
	indexOut := map[string]map[string]bool{}
	for _, r := range indices {
		for _, n := range r.names {
			m := indexOut[n]
			if m == nil {
				m = map[string]bool{}
				indexOut[n] = m
			}
			for _, p := range r.privs {
				ok := perm.index(n, r.ari, p)
				m[p] = ok
				all = all && ok
			}
		}
	}
	appOut := map[string]map[string]map[string]bool{}
	for _, a := range apps {
		byRes := appOut[a.Application]
		if byRes == nil {
			byRes = map[string]map[string]bool{}
			appOut[a.Application] = byRes
		}
		for _, res := range a.Resources {
			m := byRes[res]
			if m == nil {
				m = map[string]bool{}
				byRes[res] = m
			}
			for _, p := range a.Privileges {
				ok := x.c.appGranted(perm, a.Application, res, p)
				m[p] = ok
				all = all && ok
			}
		}
	}
	x.ok(map[string]any{
		"username":          user,
		"has_all_requested": all,
		"cluster":           clusterOut,
		"index":             indexOut,
		"application":       appOut,
	})
}
