package stackemu

import (
	"net/http"
	"sort"
)

// checkRoleWrite runs PUT role's post-parse checks (reference §2.1, §4.3):
// the native-realm name rules or the reserved name, the privilege names and
// the metadata keys, collected into one action_request_validation_exception,
// then the DLS queries.
func (c *Cluster) checkRoleWrite(name string, d *roleDescriptor) *esError {
	var msgs []string
	switch {
	case !validName(name, nativeNameMax):
		msgs = append(msgs, roleNameMsg(nativeNameMax))
	case c.isReservedRole(name):
		msgs = append(msgs, "Role ["+name+"] is reserved and may not be used.")
	}
	msgs = append(msgs, d.validate(c.flavor, "role descriptor metadata keys may not start with [_]")...)
	if e := actionValidation(msgs); e != nil {
		return e
	}
	return validateDLS(d)
}

// parseRoleBody parses one role: the generic name check of the
// role-descriptor parser (max 1024, validation_exception) comes first.
func (c *Cluster) parseRoleBody(name string, v *jv) (*roleDescriptor, *esError) {
	if !validName(name, genericNameMax) {
		return nil, validationException(roleNameMsg(genericNameMax))
	}
	return parseRoleDescriptor(name, v, c.roleOpts())
}

func handlePutRole(x *rctx) {
	if !x.refreshOK() {
		return
	}
	name := x.params["name"]
	v, ok := x.jsonBody(true)
	if !ok {
		return
	}
	d, e := x.c.parseRoleBody(name, v)
	if e != nil {
		x.fail(e)
		return
	}
	if e := x.c.checkRoleWrite(name, d); e != nil {
		x.fail(e)
		return
	}
	created := x.c.storeRole(name, d)
	x.ok(map[string]any{"role": map[string]any{"created": created}})
}

// storeRole writes a native role (a full replace) and reports whether it was
// new.
func (c *Cluster) storeRole(name string, d *roleDescriptor) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, exists := c.roles[name]
	c.roles[name] = d
	return !exists
}

func handleGetRoles(x *rctx) {
	c := x.c
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := map[string]any{}
	names := nameList(x.params["name"])
	if len(names) == 0 {
		for n, d := range c.predefined {
			out[n] = d.render()
		}
		for n, d := range c.roles {
			out[n] = d.render()
		}
		x.ok(out)
		return
	}
	for _, n := range names {
		if d := c.lookupRoleLocked(n); d != nil {
			out[n] = d.render()
		}
	}
	if len(out) == 0 {
		x.status(http.StatusNotFound, map[string]any{})
		return
	}
	x.ok(out)
}

func handleDeleteRole(x *rctx) {
	if !x.refreshOK() {
		return
	}
	name := x.params["name"]
	if x.c.isReservedRole(name) {
		x.fail(illegalArg("role [" + name + "] is reserved and cannot be deleted"))
		return
	}
	c := x.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.roles[name]; !ok {
		x.status(http.StatusNotFound, map[string]any{"found": false})
		return
	}
	delete(c.roles, name)
	x.ok(map[string]any{"found": true})
}

func errorDetail(e *esError) map[string]any {
	return map[string]any{"type": e.typ, "reason": e.reason}
}

func bulkErrors(order []string, details map[string]any) map[string]any {
	return map[string]any{"count": len(order), "details": details}
}

func handleBulkPutRoles(x *rctx) {
	if !x.refreshOK() {
		return
	}
	v, ok := x.jsonBody(true)
	if !ok {
		return
	}
	if v.kind != 'o' {
		x.fail(parseError("failed to parse bulk roles request. expected an object but found [" + v.token() + "] instead"))
		return
	}
	var rolesV *jv
	for _, kv := range v.obj {
		if kv.key != "roles" {
			x.fail(badRequest("x_content_parse_exception", "[1:2] [bulk_update_roles_request_payload] unknown field ["+kv.key+"]"))
			return
		}
		rolesV = kv.val
	}
	if rolesV == nil {
		x.fail(badRequest("x_content_parse_exception", "[1:2] Required [roles]"))
		return
	}
	if rolesV.kind != 'o' {
		x.fail(badRequest("x_content_parse_exception", "[1:10] [bulk_update_roles_request_payload] roles doesn't support values of type: "+rolesV.token()))
		return
	}
	// Parse errors fail the whole request; validation errors fail one role.
	type item struct {
		name string
		d    *roleDescriptor
	}
	var items []item
	for _, kv := range rolesV.obj {
		d, e := x.c.parseRoleBody(kv.key, kv.val)
		if e != nil {
			x.fail(e)
			return
		}
		items = append(items, item{kv.key, d})
	}
	var created, updated, noop, errOrder []string
	details := map[string]any{}
	for _, it := range items {
		if e := x.c.checkRoleWrite(it.name, it.d); e != nil {
			errOrder = append(errOrder, it.name)
			details[it.name] = errorDetail(e)
			continue
		}
		x.c.mu.Lock()
		old, exists := x.c.roles[it.name]
		switch {
		case !exists:
			created = append(created, it.name)
		case old.equal(it.d):
			noop = append(noop, it.name)
		default:
			updated = append(updated, it.name)
		}
		x.c.roles[it.name] = it.d
		x.c.mu.Unlock()
	}
	out := map[string]any{}
	if created != nil {
		out["created"] = created
	}
	if updated != nil {
		out["updated"] = updated
	}
	if noop != nil {
		out["noop"] = noop
	}
	if errOrder != nil {
		out["errors"] = bulkErrors(errOrder, details)
	}
	x.ok(out)
}

func handleBulkDeleteRoles(x *rctx) {
	if !x.refreshOK() {
		return
	}
	v, ok := x.jsonBody(true)
	if !ok {
		return
	}
	var names []string
	if v.kind == 'o' {
		for _, kv := range v.obj {
			if kv.key != "names" {
				x.fail(badRequest("x_content_parse_exception", "[1:2] [bulk_delete_roles_request_payload] unknown field ["+kv.key+"]"))
				return
			}
			l, ok := kv.val.strictStringArray()
			if !ok {
				x.fail(badRequest("x_content_parse_exception", "[1:10] [bulk_delete_roles_request_payload] failed to parse field [names]"))
				return
			}
			names = l
		}
	}
	if names == nil {
		x.fail(badRequest("x_content_parse_exception", "[1:2] Required [names]"))
		return
	}
	if len(names) == 0 {
		x.fail(actionValidation([]string{"role names are missing"}))
		return
	}
	var deleted, notFound, errOrder []string
	details := map[string]any{}
	c := x.c
	c.mu.Lock()
	for _, n := range names {
		switch {
		case c.isReservedRole(n):
			errOrder = append(errOrder, n)
			details[n] = errorDetail(illegalArg("role [" + n + "] is reserved and cannot be deleted"))
		case c.roles[n] != nil:
			delete(c.roles, n)
			deleted = append(deleted, n)
		default:
			notFound = append(notFound, n)
		}
	}
	c.mu.Unlock()
	out := map[string]any{}
	if deleted != nil {
		out["deleted"] = deleted
	}
	if notFound != nil {
		out["not_found"] = notFound
	}
	if errOrder != nil {
		out["errors"] = bulkErrors(errOrder, details)
	}
	x.ok(out)
}

func handleQueryRoles(x *rctx) {
	req, ok := x.parseQueryRequest("roles", map[string]bool{"name": true, "description": true, "metadata.*": true,
		"applications.application": true, "applications.privileges": true, "applications.resources": true}, false)
	if !ok {
		return
	}
	c := x.c
	c.mu.RLock()
	docs := make([]queryDoc, 0, len(c.roles))
	for n, d := range c.roles {
		var apps, privs, res []any
		for _, a := range d.Applications {
			apps = append(apps, a.Application)
			privs = append(privs, anyStrings(a.Privileges)...)
			res = append(res, anyStrings(a.Resources)...)
		}
		src := map[string]any{"name": n, "metadata": d.Metadata,
			"applications": map[string]any{"application": apps, "privileges": privs, "resources": res}}
		if d.Description != nil {
			src["description"] = *d.Description
		}
		out := d.render()
		out["name"] = n
		docs = append(docs, queryDoc{id: n, src: src, out: out})
	}
	c.mu.RUnlock()
	res, e := req.run(docs, "name")
	if e != nil {
		x.fail(e)
		return
	}
	x.ok(map[string]any{"total": res.total, "count": len(res.hits), "roles": res.hits})
}

func handleBuiltinPrivileges(x *rctx) {
	out := map[string]any{"cluster": builtinClusterNames(x.c.flavor), "index": builtinIndexNames()}
	if x.c.flavor != FlavorServerless {
		out["remote_cluster"] = remoteClusterPrivileges
	}
	x.ok(out)
}

// RoleSummary names a custom (native) role and its description.
type RoleSummary struct{ Name, Description string }

// CustomRoles lists the native roles, sorted by name: what a Serverless
// project's role list shows next to the predefined roles.
func (c *Cluster) CustomRoles() []RoleSummary {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]RoleSummary, 0, len(c.roles))
	for n, d := range c.roles {
		s := RoleSummary{Name: n}
		if d.Description != nil {
			s.Description = *d.Description
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
