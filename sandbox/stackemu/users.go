package stackemu

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// user is a native-realm user document (NativeUsersStore).
type user struct {
	Username        string
	Roles           []string
	FullName, Email *string
	Metadata        map[string]any
	Enabled         bool
	Hash            string
}

// reservedUserState is the reserved-user-<name> document: reserved users
// can only change their password and enabled flag.
type reservedUserState struct {
	hash    string
	enabled bool
}

func (u *user) render() map[string]any {
	return map[string]any{
		"username":  u.Username,
		"roles":     nonNil(u.Roles),
		"full_name": u.FullName,
		"email":     u.Email,
		"metadata":  nonNilMap(u.Metadata),
		"enabled":   u.Enabled,
	}
}

func renderReservedUser(name string, st *reservedUserState) map[string]any {
	return map[string]any{
		"username":  name,
		"roles":     reservedUserRoles[name],
		"full_name": nil,
		"email":     nil,
		"metadata":  reservedUserMeta(name),
		"enabled":   st.enabled,
	}
}

// putUserBody is the parsed PUT user body (PutUserRequestBuilder.source).
type putUserBody struct {
	password, hash  string
	hasPassword     bool
	roles           []string
	rolesSet        bool
	fullName, email *string
	metadata        map[string]any
	enabled         bool
}

func parsePutUser(path string, v *jv) (*putUserBody, *esError) {
	if v.kind != 'o' {
		return nil, parseError("failed to parse add user request. expected an object but found [" + v.token() + "] instead")
	}
	b := &putUserBody{enabled: true}
	str := func(k string, val *jv) (*string, *esError) {
		if val.isNull() {
			return nil, nil
		}
		if val.kind != 's' {
			return nil, parseError("expected field [" + k + "] to be of type string, but found [" + val.token() + "] instead")
		}
		s := val.str
		return &s, nil
	}
	for _, kv := range v.obj {
		k, val := kv.key, kv.val
		switch k {
		case "username":
			s, err := str(k, val)
			if err != nil {
				return nil, err
			}
			if s != nil && *s != path {
				return nil, illegalArg("[username] in source does not match the username provided [" + path + "]")
			}
		case "password", "password_hash":
			s, err := str(k, val)
			if err != nil {
				return nil, err
			}
			if s == nil {
				continue
			}
			if b.hasPassword {
				return nil, validationException("password_hash has already been set")
			}
			if k == "password" {
				if javaLen(*s) < minPasswordLen {
					return nil, validationException(passwordTooShortMsg())
				}
				b.password = *s
			} else {
				if !knownHash(*s) {
					return nil, illegalArg(unknownHashMsg())
				}
				b.hash = *s
			}
			b.hasPassword = true
		case "roles":
			switch {
			case val != nil && val.kind == 's':
				b.roles = nameList(val.str)
				if b.roles == nil {
					b.roles = []string{}
				}
			case val != nil && val.kind == 'a':
				l, ok := val.stringList()
				if !ok {
					return nil, parseError("expected field [roles] to be of type string, but found [" + val.token() + "] instead")
				}
				b.roles = l
			default:
				return nil, parseError("expected field [roles] to be of type string, but found [" + val.token() + "] instead")
			}
			b.rolesSet = true
		case "full_name", "email":
			s, err := str(k, val)
			if err != nil {
				return nil, err
			}
			if k == "full_name" {
				b.fullName = s
			} else {
				b.email = s
			}
		case "metadata":
			if val.isNull() {
				continue
			}
			if val.kind != 'o' {
				return nil, parseError("expected field [metadata] to be of type object, but found [" + val.token() + "] instead")
			}
			b.metadata = val.toAny().(map[string]any)
		case "enabled":
			if val == nil || val.kind != 'b' {
				return nil, parseError("expected field [enabled] to be of type boolean, but found [" + val.token() + "] instead")
			}
			b.enabled = val.b
		default:
			return nil, parseError("failed to parse add user request. unexpected field [" + k + "]")
		}
	}
	return b, nil
}

// validateUserTarget is TransportPutUserAction.validateRequest's name part.
func validateUserTarget(name string) []string {
	if _, ok := reservedUserRoles[name]; ok {
		return []string{"user [" + name + "] is reserved and only the password can be changed"}
	}
	if internalUsers[name] {
		return []string{"user [" + name + "] is internal"}
	}
	if !validName(name, nativeNameMax) {
		return []string{userNameMsg()}
	}
	return nil
}

func handlePutUser(x *rctx) {
	if !x.refreshOK() {
		return
	}
	name := x.params["username"]
	v, ok := x.jsonBody(true)
	if !ok {
		return
	}
	b, e := parsePutUser(name, v)
	if e != nil {
		x.fail(e)
		return
	}
	// PutUserRequest.validate runs first, then the transport action's checks.
	var msgs []string
	if !b.rolesSet {
		msgs = append(msgs, "roles are missing")
	}
	if hasUnderscoreKey(b.metadata) {
		msgs = append(msgs, "metadata keys may not start with [_]")
	}
	if e := actionValidation(msgs); e != nil {
		x.fail(e)
		return
	}
	msgs = validateUserTarget(name)
	if msgs == nil {
		for _, r := range b.roles {
			if !validName(r, nativeNameMax) {
				msgs = append(msgs, roleNameMsg(nativeNameMax))
			}
		}
	}
	if e := actionValidation(msgs); e != nil {
		x.fail(e)
		return
	}
	c := x.c
	hash := b.hash
	if b.hasPassword && hash == "" {
		hash = mustHash(b.password)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	existing, exists := c.users[name]
	if !b.hasPassword {
		if !exists {
			x.fail(validationException("password must be specified unless you are updating an existing user"))
			return
		}
		hash = existing.Hash
	}
	c.users[name] = &user{Username: name, Roles: b.roles, FullName: b.fullName, Email: b.email,
		Metadata: nonNilMap(b.metadata), Enabled: b.enabled, Hash: hash}
	x.ok(map[string]any{"created": b.hasPassword && !exists})
}

func handleGetUsers(x *rctx) {
	withUID, ok := x.boolParam("with_profile_uid", false)
	if !ok {
		return
	}
	c := x.c
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := map[string]any{}
	names := nameList(x.params["username"])
	if len(names) == 0 {
		for n, st := range c.reserved {
			out[n] = renderReservedUser(n, st)
		}
		for n, u := range c.users {
			out[n] = u.render()
		}
		c.addProfileUIDs(out, withUID)
		x.ok(out)
		return
	}
	for _, n := range names {
		if st, ok := c.reserved[n]; ok {
			out[n] = renderReservedUser(n, st)
		} else if u, ok := c.users[n]; ok {
			out[n] = u.render()
		}
	}
	if len(out) == 0 {
		x.status(http.StatusNotFound, map[string]any{})
		return
	}
	c.addProfileUIDs(out, withUID)
	x.ok(out)
}

func handleDeleteUser(x *rctx) {
	if !x.refreshOK() {
		return
	}
	name := x.params["username"]
	if _, ok := reservedUserRoles[name]; ok {
		x.fail(illegalArg("user [" + name + "] is reserved and cannot be deleted"))
		return
	}
	if internalUsers[name] {
		x.fail(illegalArg("user [" + name + "] is internal"))
		return
	}
	c := x.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.users[name]; !ok {
		x.status(http.StatusNotFound, map[string]any{"found": false})
		return
	}
	delete(c.users, name)
	x.ok(map[string]any{"found": true})
}

func handleChangePassword(x *rctx) {
	if !x.refreshOK() {
		return
	}
	name, explicit := x.params["username"]
	if !explicit {
		name = x.who.username
	}
	v, ok := x.jsonBody(true)
	if !ok {
		return
	}
	if v.kind != 'o' {
		x.fail(parseError("failed to parse change password request. expected an object but found [" + v.token() + "] instead"))
		return
	}
	var password, hash string
	set := false
	for _, kv := range v.obj {
		switch kv.key {
		case "password", "password_hash":
			if kv.val == nil || kv.val.kind != 's' {
				x.fail(parseError("expected field [" + kv.key + "] to be of type string, but found [" + kv.val.token() + "] instead"))
				return
			}
			if set {
				x.fail(validationException("password_hash has already been set"))
				return
			}
			set = true
			if kv.key == "password" {
				if javaLen(kv.val.str) < minPasswordLen {
					x.fail(validationException(passwordTooShortMsg()))
					return
				}
				password = kv.val.str
			} else {
				if !knownHash(kv.val.str) {
					x.fail(illegalArg(unknownHashMsg()))
					return
				}
				hash = kv.val.str
			}
		default:
			x.fail(parseError("failed to parse change password request. unexpected field [" + kv.key + "]"))
			return
		}
	}
	if !set {
		x.fail(actionValidation([]string{"password is missing"}))
		return
	}
	// Users may change their own password without any privilege; API keys
	// are not "the same user" (ChangePasswordRequest self check).
	self := x.who.key == nil && name == x.who.username && x.who.realmType != "" &&
		(x.who.realmType == "native" || x.who.realmType == "reserved")
	if !self && !x.authorize("cluster:admin/xpack/security/user/change_password") {
		return
	}
	if internalUsers[name] {
		x.fail(illegalArg("user [" + name + "] is internal"))
		return
	}
	if hash == "" {
		hash = mustHash(password)
	}
	c := x.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.reserved[name]; ok {
		st.hash = hash
	} else if u, ok := c.users[name]; ok {
		u.Hash = hash
	} else {
		x.fail(validationException("user must exist in order to change password"))
		return
	}
	// A new password ends the user's token sessions, as on a real cluster.
	c.invalidateTokensLocked(func(t *token) bool {
		return t.who.username == name && (t.who.realmType == "native" || t.who.realmType == "reserved")
	})
	x.ok(map[string]any{})
}

func handleSetEnabled(enable bool) func(x *rctx) {
	return func(x *rctx) {
		if !x.refreshOK() {
			return
		}
		name := x.params["username"]
		if x.who.key == nil && name == x.who.username {
			x.fail(illegalArg("users may not update the enabled status of their own account"))
			return
		}
		if internalUsers[name] {
			x.fail(illegalArg("user [" + name + "] is internal"))
			return
		}
		c := x.c
		c.mu.Lock()
		defer c.mu.Unlock()
		if st, ok := c.reserved[name]; ok {
			st.enabled = enable
		} else if u, ok := c.users[name]; ok {
			u.Enabled = enable
		} else {
			word := "disabled"
			if enable {
				word = "enabled"
			}
			x.fail(validationException("only existing users can be " + word))
			return
		}
		x.ok(map[string]any{})
	}
}

func handleQueryUsers(x *rctx) {
	if _, ok := x.boolParam("with_profile_uid", false); !ok {
		return
	}
	req, ok := x.parseQueryRequest("users", map[string]bool{"username": true, "roles": true, "full_name": true,
		"email": true, "enabled": true}, false)
	if !ok {
		return
	}
	c := x.c
	c.mu.RLock()
	var docs []queryDoc
	for _, u := range c.users {
		src := map[string]any{"username": u.Username, "roles": anyStrings(u.Roles), "enabled": u.Enabled}
		if u.FullName != nil {
			src["full_name"] = *u.FullName
		}
		if u.Email != nil {
			src["email"] = *u.Email
		}
		docs = append(docs, queryDoc{id: u.Username, src: src, out: u.render()})
	}
	c.mu.RUnlock()
	res, e := req.run(docs, "username")
	if e != nil {
		x.fail(e)
		return
	}
	x.ok(map[string]any{"total": res.total, "count": len(res.hits), "users": res.hits})
}

// handleGetUserPrivileges answers GET /_security/user/_privileges with the
// union of the caller's roles.
func handleGetUserPrivileges(x *rctx) {
	a := x.who
	layer := []*roleDescriptor{}
	if len(a.perm.layers) > 0 {
		if a.key != nil && len(a.perm.layers) > 1 {
			x.fail(illegalArg("Cannot retrieve privileges for API keys with assigned role descriptors. Please use the Get API key information API https://ela.st/es-api-get-api-key"))
			return
		}
		layer = a.perm.layers[len(a.perm.layers)-1]
	}
	x.ok(userPrivileges(layer))
}

// userPrivileges merges a principal's role descriptors the way
// Elasticsearch builds its role (CompositeRolesStore): index entries with
// the same names and allow_restricted_indices become one, with the union of
// their privileges and every field_security and query of the merged entries
// (as arrays); application entries with the same application and privileges
// share their resources. remote_indices and remote_cluster appear only when
// some role has them.
func userPrivileges(layer []*roleDescriptor) map[string]any {
	cluster, runAs := map[string]bool{}, map[string]bool{}
	global := []any{}
	seenGlobal := map[string]bool{}
	var local, remote indexMerger
	type appKey struct{ app, privs string }
	appRes := map[appKey]map[string]bool{}
	var appOrder []appKey
	remoteCluster := []any{}
	for _, d := range layer {
		for _, cp := range d.Cluster {
			cluster[cp] = true
		}
		for _, r := range d.RunAs {
			runAs[r] = true
		}
		if d.Global != nil {
			if k := canonicalJSON(d.Global); !seenGlobal[k] {
				seenGlobal[k] = true
				global = append(global, d.Global)
			}
		}
		for _, ip := range d.Indices {
			local.add(ip, false)
		}
		for _, ip := range d.RemoteIndices {
			remote.add(ip, true)
		}
		for _, ap := range d.Applications {
			k := appKey{ap.Application, strings.Join(sortedUnique(ap.Privileges), "\x00")}
			if appRes[k] == nil {
				appRes[k] = map[string]bool{}
				appOrder = append(appOrder, k)
			}
			for _, r := range ap.Resources {
				appRes[k][r] = true
			}
		}
		for _, rc := range d.RemoteCluster {
			remoteCluster = append(remoteCluster, map[string]any{"privileges": nonNil(rc.Privileges), "clusters": nonNil(rc.Clusters)})
		}
	}
	sort.SliceStable(appOrder, func(i, j int) bool {
		if appOrder[i].app != appOrder[j].app {
			return appOrder[i].app < appOrder[j].app
		}
		return appOrder[i].privs < appOrder[j].privs
	})
	apps := []any{}
	for _, k := range appOrder {
		privs := []string{}
		if k.privs != "" {
			privs = strings.Split(k.privs, "\x00")
		}
		apps = append(apps, map[string]any{"application": k.app, "privileges": privs, "resources": sortedKeys(appRes[k])})
	}
	out := map[string]any{"cluster": sortedKeys(cluster), "global": global, "indices": local.render(),
		"applications": apps, "run_as": sortedKeys(runAs)}
	if len(remote.order) > 0 {
		out["remote_indices"] = remote.render()
	}
	if len(remoteCluster) > 0 {
		out["remote_cluster"] = remoteCluster
	}
	return out
}

// indexMerger groups index entries by names (and clusters, for remote
// ones) and allow_restricted_indices.
type indexMerger struct {
	groups map[string]*mergedIndex
	order  []string
}

type mergedIndex struct {
	names, clusters []string
	ari             bool
	privs           map[string]bool
	fls             []map[string]any
	flsSeen         map[string]bool
	anyFLS          bool
	queries         []string
	querySeen       map[string]bool
	remote          bool
}

func (m *indexMerger) add(ip indexPriv, remote bool) {
	names := sortedUnique(ip.Names)
	clusters := sortedUnique(ip.Clusters)
	key := strings.Join(names, ",") + "|" + strings.Join(clusters, ",") + "|" + fmt.Sprint(ip.AllowRestricted)
	if m.groups == nil {
		m.groups = map[string]*mergedIndex{}
	}
	g := m.groups[key]
	if g == nil {
		g = &mergedIndex{names: names, clusters: clusters, ari: ip.AllowRestricted, privs: map[string]bool{},
			flsSeen: map[string]bool{}, querySeen: map[string]bool{}, remote: remote}
		m.groups[key] = g
		m.order = append(m.order, key)
	}
	for _, p := range ip.Privileges {
		g.privs[p] = true
	}
	// An entry without field security grants every field: it contributes an
	// empty group, as FieldPermissionsDefinition does.
	fs := map[string]any{}
	if ip.FieldSecurity != nil {
		g.anyFLS = true
		if ip.FieldSecurity.HasGrant && len(ip.FieldSecurity.Grant) > 0 {
			fs["grant"] = ip.FieldSecurity.Grant
		}
		if ip.FieldSecurity.HasExcept && len(ip.FieldSecurity.Except) > 0 {
			fs["except"] = ip.FieldSecurity.Except
		}
	}
	if k := canonicalJSON(fs); !g.flsSeen[k] {
		g.flsSeen[k] = true
		g.fls = append(g.fls, fs)
	}
	if ip.Query != "" && !g.querySeen[ip.Query] {
		g.querySeen[ip.Query] = true
		g.queries = append(g.queries, ip.Query)
	}
}

func (m *indexMerger) render() []any {
	keys := append([]string(nil), m.order...)
	sort.Strings(keys)
	out := []any{}
	for _, k := range keys {
		g := m.groups[k]
		e := map[string]any{"names": g.names, "privileges": sortedKeys(g.privs), "allow_restricted_indices": g.ari}
		if g.remote {
			e["clusters"] = g.clusters
		}
		if g.anyFLS {
			e["field_security"] = g.fls
		}
		if len(g.queries) > 0 {
			e["query"] = g.queries
		}
		out = append(out, e)
	}
	return out
}

func sortedUnique(in []string) []string {
	set := map[string]bool{}
	for _, s := range in {
		set[s] = true
	}
	return sortedKeys(set)
}

func canonicalJSON(v any) string {
	b, _ := json.Marshal(v) // encoding/json sorts map keys
	return string(b)
}

func sortedKeys(m map[string]bool) []string {
	out := []string{}
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func anyStrings(s []string) []any {
	out := make([]any, 0, len(s))
	for _, v := range s {
		out = append(out, v)
	}
	return out
}

var _ = strings.TrimSpace

// addProfileUIDs adds profile_uid to the rendered native users that have
// activated a profile, when with_profile_uid=true was asked.
func (c *Cluster) addProfileUIDs(out map[string]any, withUID bool) {
	if !withUID {
		return
	}
	for n, v := range out {
		if m, ok := v.(map[string]any); ok {
			if p, ok := c.profiles[profileUID(n, "default_native")]; ok {
				m["profile_uid"] = p.uid
			}
		}
	}
}
