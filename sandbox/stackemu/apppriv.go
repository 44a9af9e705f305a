package stackemu

import (
	"regexp"
	"strings"
	"sync"
)

// appPrivDef is a stored application privilege: a named set of actions
// that roles grant by name (PUT /_security/privilege).
type appPrivDef struct {
	Actions  []string
	Metadata map[string]any
}

// Application and privilege names, as ApplicationPrivilege validates them:
// an application starts with a lower-case letter, has at least 3
// characters, and may carry a "-" or "_" suffix; a privilege name starts
// with a lower-case letter and contains letters, digits and "_-.".
// They are compiled on first use, as every table of this package is: the
// package is linked into every process that can run the sandbox, and most
// never do.
var (
	appNameRe  = lazyRegexp(`^[a-z][A-Za-z0-9]{2,}([-_][^\\/*?"<>|, ]*)?$`)
	privNameRe = lazyRegexp(`^[a-z][a-zA-Z0-9_.-]*$`)
)

// isActionPattern: a granted or requested name containing '/', '*' or ':'
// is an action (pattern), not a privilege name.
func isActionPattern(s string) bool { return strings.ContainsAny(s, "/*:") }

// appActionsLocked resolves privilege names of app into action patterns:
// a stored name gives its actions, an action pattern itself, "*" every
// action; an unknown name resolves to nothing.
func (c *Cluster) appActionsLocked(app string, names []string) (actions []string, total bool) {
	defs := c.appPrivs[app]
	for _, n := range names {
		if n == "*" {
			return nil, true
		}
		if d, ok := defs[n]; ok {
			actions = append(actions, d.Actions...)
			continue
		}
		if isActionPattern(n) {
			actions = append(actions, n)
		}
	}
	return actions, false
}

// appGranted is _has_privileges for one application privilege, resolved
// through the stored definitions: the requested privilege's actions must all
// be covered by the actions the matching entries grant, in every layer (an
// API key is limited by its owner). An unknown requested name has no
// actions and is granted only by "*". Applications without definitions
// keep the name-based rules (Kibana's privileges are registered by Kibana).
func (c *Cluster) appGranted(p permission, app, resource, priv string) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if len(c.appPrivs[app]) == 0 {
		return p.application(app, resource, priv)
	}
	if len(p.layers) == 0 {
		return false
	}
	want, wantAll := c.appActionsLocked(app, []string{priv})
	for _, layer := range p.layers {
		var granted []string
		total := false
		for _, d := range layer {
			for _, ap := range d.Applications {
				if !globMatch(ap.Application, app) || !anyResource(ap.Resources, resource) {
					continue
				}
				acts, all := c.appActionsLocked(app, ap.Privileges)
				total = total || all
				granted = append(granted, acts...)
			}
		}
		if total {
			continue
		}
		if wantAll || len(want) == 0 {
			return false
		}
		for _, w := range want {
			covered := false
			for _, g := range granted {
				if globSubset(w, g) {
					covered = true
					break
				}
			}
			if !covered {
				return false
			}
		}
	}
	return true
}

func anyResource(granted []string, resource string) bool {
	for _, r := range granted {
		if globSubset(resource, r) {
			return true
		}
	}
	return false
}

// handlePutPrivileges is PUT/POST /_security/privilege:
// {"app": {"name": {"actions": [...], "metadata": {...}}}}.
func handlePutPrivileges(x *rctx) {
	if !x.refreshOK() {
		return
	}
	v, ok := x.jsonBody(true)
	if !ok {
		return
	}
	if v.kind != 'o' {
		x.fail(parseError("failed to parse privileges: expected an object but found [" + v.token() + "] instead"))
		return
	}
	type put struct {
		app, name string
		def       *appPrivDef
	}
	var puts []put
	var msgs []string
	for _, a := range v.obj {
		if a.val == nil || a.val.kind != 'o' {
			x.fail(parseError("failed to parse application [" + a.key + "]: expected an object but found [" + a.val.token() + "] instead"))
			return
		}
		for _, n := range a.val.obj {
			d, e := parsePrivilegeBody(a.key, n.key, n.val)
			if e != nil {
				x.fail(e)
				return
			}
			if !appNameRe().MatchString(a.key) {
				msgs = append(msgs, "An application name must match the pattern "+appNameRe().String()+" (found '"+a.key+"')")
			}
			if !privNameRe().MatchString(n.key) {
				msgs = append(msgs, "An application privilege name must match the pattern "+privNameRe().String()+" (found '"+n.key+"')")
			}
			if len(d.Actions) == 0 {
				msgs = append(msgs, "Application privileges must have at least one action")
			}
			for _, act := range d.Actions {
				if !isActionPattern(act) {
					msgs = append(msgs, "action ["+act+"] must contain one of [/*:]")
				}
			}
			if hasUnderscoreKey(d.Metadata) {
				msgs = append(msgs, "metadata keys may not start with [_]")
			}
			puts = append(puts, put{a.key, n.key, d})
		}
	}
	if len(puts) == 0 {
		msgs = append(msgs, "At least one application privilege must be provided")
	}
	if e := actionValidation(msgs); e != nil {
		x.fail(e)
		return
	}
	out := map[string]any{}
	x.c.mu.Lock()
	for _, p := range puts {
		defs := x.c.appPrivs[p.app]
		if defs == nil {
			defs = map[string]*appPrivDef{}
			x.c.appPrivs[p.app] = defs
		}
		_, existed := defs[p.name]
		defs[p.name] = p.def
		byName, _ := out[p.app].(map[string]any)
		if byName == nil {
			byName = map[string]any{}
			out[p.app] = byName
		}
		byName[p.name] = map[string]any{"created": !existed}
	}
	x.c.mu.Unlock()
	x.ok(out)
}

func parsePrivilegeBody(app, name string, v *jv) (*appPrivDef, *esError) {
	prefix := "failed to parse application privilege [" + app + "][" + name + "]: "
	if v == nil || v.kind != 'o' {
		return nil, parseError(prefix + "expected an object but found [" + v.token() + "] instead")
	}
	d := &appPrivDef{Actions: []string{}, Metadata: map[string]any{}}
	for _, f := range v.obj {
		switch f.key {
		case "application", "name":
			want := app
			if f.key == "name" {
				want = name
			}
			if f.val == nil || f.val.kind != 's' || f.val.str != want {
				return nil, illegalArg("privilege " + f.key + " [" + f.val.compact() + "] in source does not match the provided " + f.key + " [" + want + "]")
			}
		case "actions":
			l, ok := f.val.strictStringArray()
			if !ok {
				return nil, parseError(prefix + "expected field [actions] to be an array of strings")
			}
			d.Actions = l
		case "metadata":
			if f.val.isNull() {
				continue
			}
			if f.val.kind != 'o' {
				return nil, parseError(prefix + "expected field [metadata] to be an object")
			}
			d.Metadata = f.val.toAny().(map[string]any)
		default:
			return nil, badRequest("x_content_parse_exception", "[1:2] [application_privilege] unknown field ["+f.key+"]")
		}
	}
	return d, nil
}

// handleGetPrivileges is GET /_security/privilege[/{application}[/{name}]]:
// 404 with {} when specific privileges were asked for and none exist.
func handleGetPrivileges(x *rctx) {
	apps := nameList(x.params["application"])
	names := nameList(x.params["name"])
	out := map[string]any{}
	x.c.mu.RLock()
	for app, defs := range x.c.appPrivs {
		if len(apps) > 0 && !matchAny(apps, app) {
			continue
		}
		for n, d := range defs {
			if len(names) > 0 && !matchAny(names, n) {
				continue
			}
			byName, _ := out[app].(map[string]any)
			if byName == nil {
				byName = map[string]any{}
				out[app] = byName
			}
			byName[n] = map[string]any{"application": app, "name": n, "actions": d.Actions, "metadata": nonNilMap(d.Metadata)}
		}
	}
	x.c.mu.RUnlock()
	if len(out) == 0 && len(apps) > 0 {
		x.status(404, map[string]any{})
		return
	}
	x.ok(out)
}

func matchAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if globMatch(p, s) {
			return true
		}
	}
	return false
}

// handleDeletePrivileges is DELETE /_security/privilege/{application}/{name}:
// every name is reported with found true or false; 404 when none was found.
func handleDeletePrivileges(x *rctx) {
	if !x.refreshOK() {
		return
	}
	app := x.params["application"]
	names := nameList(x.params["name"])
	found := map[string]any{}
	anyFound := false
	x.c.mu.Lock()
	defs := x.c.appPrivs[app]
	for _, n := range names {
		_, ok := defs[n]
		if ok {
			delete(defs, n)
			anyFound = true
		}
		found[n] = map[string]any{"found": ok}
	}
	if len(defs) == 0 {
		delete(x.c.appPrivs, app)
	}
	x.c.mu.Unlock()
	status := 200
	if !anyFound {
		status = 404
	}
	x.status(status, map[string]any{app: found})
}

// handleClearPrivilegesCache is POST /_security/privilege/{application}/_clear_cache
// and POST /_security/privilege/_clear_cache: nothing is cached here.
func handleClearPrivilegesCache(x *rctx) { x.ok(clearCacheReply()) }

// copyAppPrivs deep-copies the definitions for Checkpoint/Reset.
func copyAppPrivs(src map[string]map[string]*appPrivDef) map[string]map[string]*appPrivDef {
	out := make(map[string]map[string]*appPrivDef, len(src))
	for app, defs := range src {
		m := make(map[string]*appPrivDef, len(defs))
		for n, d := range defs {
			cp := *d
			m[n] = &cp
		}
		out[app] = m
	}
	return out
}

// lazyRegexp compiles expr on first use.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
