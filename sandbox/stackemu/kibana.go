package stackemu

import (
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// The Kibana role API (reference §10) is a view over the same role store:
// Kibana feature and space privileges are stored as Elasticsearch application
// privileges of the application kibana-.kibana, and every call is authorized
// as the calling user against Elasticsearch.

var (
	spaceIDRe   = lazyRegexp(`^[a-z0-9_-]+$`)
	featureIDRe = lazyRegexp(`^[a-zA-Z0-9_-]+$`)
)

var kibanaBasePrivileges = []string{"all", "read"}

func (c *Cluster) serveKibana(w http.ResponseWriter, r *http.Request) {
	segs := splitPath(r.URL.EscapedPath())
	for i, s := range segs {
		if u, err := url.PathUnescape(s); err == nil {
			segs[i] = u
		}
	}
	if c.serveKibanaSpaces(w, r, segs) {
		return
	}
	isRoles := len(segs) >= 3 && segs[0] == "api" && segs[1] == "security" && segs[2] == "role"
	if !isRoles || len(segs) > 4 {
		writeBoom(w, r, http.StatusNotFound, "Not Found")
		return
	}
	name, hasName := "", len(segs) == 4
	if hasName {
		name = segs[3]
	}
	allowed := map[string]bool{"GET": true}
	if hasName {
		allowed["PUT"], allowed["DELETE"] = true, true
	}
	if !allowed[r.Method] {
		writeBoom(w, r, http.StatusNotFound, "Not Found")
		return
	}
	who, err := c.authenticate(r)
	if err != nil {
		writeBoom(w, r, http.StatusUnauthorized, "Unauthorized")
		return
	}
	// Kibana's xsrf check runs after authentication and applies to every
	// state-changing method; kbn-version also satisfies it.
	if r.Method != http.MethodGet && r.Header.Get("kbn-xsrf") == "" && r.Header.Get("kbn-version") == "" {
		writeBoom(w, r, http.StatusBadRequest, "Request must contain a kbn-xsrf header.")
		return
	}
	x := &rctx{c: c, w: w, r: r, q: r.URL.Query(), who: who}
	switch {
	case r.Method == http.MethodGet && !hasName:
		c.kibanaGetAll(x)
	case r.Method == http.MethodGet:
		c.kibanaGet(x, name)
	case r.Method == http.MethodPut:
		body, _ := io.ReadAll(http.MaxBytesReader(w, r.Body, 10<<20))
		x.body = body
		c.kibanaPut(x, name)
	case r.Method == http.MethodDelete:
		c.kibanaDelete(x, name)
	}
}

// kibanaESError re-raises an Elasticsearch error from Kibana with its status.
func kibanaESError(x *rctx, e *esError) {
	body := boomBody(e.status, e.reason)
	obj := e.object(true)
	delete(obj, "header")
	body["attributes"] = map[string]any{"error": obj}
	writeJSON(x.w, x.r, e.status, body)
}

// kibanaAuthorize checks the Elasticsearch action Kibana would perform as
// the user.
func kibanaAuthorize(x *rctx, action string) bool {
	if x.who.perm.cluster(action) {
		return true
	}
	kibanaESError(x, x.forbidden(action))
	return false
}

func (c *Cluster) kibanaGetAll(x *rctx) {
	if !kibanaAuthorize(x, "cluster:admin/xpack/security/role/get") {
		return
	}
	c.mu.RLock()
	names := []string{}
	for n := range c.roles {
		names = append(names, n)
	}
	// Serverless Kibana filters out the reserved roles.
	if c.flavor != FlavorServerless {
		names = append(names, c.predefinedNames()...)
	}
	sort.Strings(names)
	out := []any{}
	for _, n := range names {
		out = append(out, kibanaRole(n, c.lookupRoleLocked(n)))
	}
	c.mu.RUnlock()
	writeJSON(x.w, x.r, http.StatusOK, out)
}

func (c *Cluster) kibanaGet(x *rctx, name string) {
	if !kibanaAuthorize(x, "cluster:admin/xpack/security/role/get") {
		return
	}
	c.mu.RLock()
	d := c.lookupRoleLocked(name)
	c.mu.RUnlock()
	if d == nil {
		writeBoom(x.w, x.r, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(x.w, x.r, http.StatusOK, kibanaRole(name, d))
}

func (c *Cluster) kibanaDelete(x *rctx, name string) {
	if !kibanaAuthorize(x, "cluster:admin/xpack/security/role/delete") {
		return
	}
	if c.isReservedRole(name) {
		kibanaESError(x, illegalArg("role ["+name+"] is reserved and cannot be deleted"))
		return
	}
	c.mu.Lock()
	_, ok := c.roles[name]
	delete(c.roles, name)
	c.mu.Unlock()
	if !ok {
		writeBoom(x.w, x.r, http.StatusNotFound, "Not Found")
		return
	}
	x.w.WriteHeader(http.StatusNoContent)
}

// kibanaRole renders an ES role in Kibana's GET form
// (transformElasticsearchRoleToRole).
func kibanaRole(name string, d *roleDescriptor) map[string]any {
	es := map[string]any{
		"cluster": nonNil(d.Cluster),
		"indices": renderIndices(d.Indices, false),
		"run_as":  nonNil(d.RunAs),
	}
	if len(d.RemoteIndices) > 0 {
		es["remote_indices"] = renderIndices(d.RemoteIndices, true)
	}
	if len(d.RemoteCluster) > 0 {
		rc := []any{}
		for _, r := range d.RemoteCluster {
			rc = append(rc, map[string]any{"privileges": r.Privileges, "clusters": r.Clusters})
		}
		es["remote_cluster"] = rc
	}
	kibana, transformErr := kibanaPrivilegesFromApps(d.Applications)
	unrecognized := []string{}
	seen := map[string]bool{}
	for _, a := range d.Applications {
		if a.Application != kibanaApp && a.Application != "*" && !seen[a.Application] {
			seen[a.Application] = true
			unrecognized = append(unrecognized, a.Application)
		}
	}
	out := map[string]any{
		"name":                       name,
		"metadata":                   nonNilMap(d.Metadata),
		"transient_metadata":         map[string]any{"enabled": true},
		"elasticsearch":              es,
		"kibana":                     kibana,
		"_transform_error":           []string{},
		"_unrecognized_applications": unrecognized,
	}
	if transformErr {
		out["kibana"] = []any{}
		out["_transform_error"] = []string{"kibana"}
	}
	if d.Description != nil {
		out["description"] = *d.Description
	}
	return out
}

// kibanaPrivilegesFromApps turns kibana-.kibana application privileges back
// into base/feature/spaces entries; ok=false (transform error) when they
// cannot be represented.
func kibanaPrivilegesFromApps(apps []appPriv) ([]any, bool) {
	out := []any{}
	for _, a := range apps {
		if a.Application == "*" {
			if len(a.Privileges) == 1 && a.Privileges[0] == "*" {
				out = append(out, map[string]any{"base": []string{"all"}, "feature": map[string]any{}, "spaces": []string{"*"}})
			}
			continue
		}
		if a.Application != kibanaApp {
			continue
		}
		global := len(a.Resources) == 1 && a.Resources[0] == "*"
		var spaces []string
		if !global {
			seen := map[string]bool{}
			for _, r := range a.Resources {
				id, ok := strings.CutPrefix(r, "space:")
				if !ok || seen[id] {
					return nil, true // unknown resource format or duplicate
				}
				seen[id] = true
				spaces = append(spaces, id)
			}
		} else {
			spaces = []string{"*"}
		}
		base := []string{}
		reserved := []string{}
		feature := map[string][]string{}
		for _, p := range a.Privileges {
			switch {
			case strings.HasPrefix(p, "feature_"):
				f, priv, ok := strings.Cut(strings.TrimPrefix(p, "feature_"), ".")
				if !ok {
					return nil, true
				}
				feature[f] = append(feature[f], priv)
			case global && strings.HasPrefix(p, "reserved_"):
				reserved = append(reserved, strings.TrimPrefix(p, "reserved_"))
			case global && (p == "all" || p == "read"):
				base = append(base, p)
			case !global && (p == "space_all" || p == "space_read"):
				base = append(base, strings.TrimPrefix(p, "space_"))
			default:
				return nil, true // e.g. a space base privilege on "*"
			}
		}
		if len(base) > 0 && len(feature) > 0 {
			return nil, true
		}
		entry := map[string]any{"base": base, "feature": feature, "spaces": spaces}
		if len(reserved) > 0 {
			entry["_reserved"] = reserved
		}
		out = append(out, entry)
	}
	return out, false
}

// kibanaSchemaError answers 400 with the @kbn/config-schema message form.
func kibanaSchemaError(x *rctx, path, msg string) {
	writeBoom(x.w, x.r, http.StatusBadRequest, "[request body"+path+"]: "+msg)
}

func (c *Cluster) kibanaPut(x *rctx, name string) {
	if n := javaLen(name); n < 1 || n > genericNameMax {
		writeBoom(x.w, x.r, http.StatusBadRequest, "[request params.name]: value has length ["+strconv.Itoa(n)+
			"] but it must have a maximum length of [1024].")
		return
	}
	createOnly := false
	if v := x.q.Get("createOnly"); v != "" {
		if v != "true" && v != "false" {
			writeBoom(x.w, x.r, http.StatusBadRequest, "[request query.createOnly]: expected value of type [boolean] but got [string]")
			return
		}
		createOnly = v == "true"
	}
	v, err := parseJSON(x.body)
	if err == errEmptyBody {
		v = &jv{kind: 'o'}
	} else if err != nil {
		writeBoom(x.w, x.r, http.StatusBadRequest, "Invalid JSON in request body")
		return
	}
	if v.kind != 'o' {
		kibanaSchemaError(x, "", "expected a plain object value, but found ["+v.token()+"] instead.")
		return
	}
	// Build the Elasticsearch role document Kibana would send.
	esDoc := &jv{kind: 'o'}
	add := func(k string, val *jv) { esDoc.obj = append(esDoc.obj, jkv{key: k, val: val}) }
	var kibanaV *jv
	for _, kv := range v.obj {
		switch kv.key {
		case "description":
			if kv.val == nil || kv.val.kind != 's' {
				kibanaSchemaError(x, ".description", "expected value of type [string] but got ["+kv.val.token()+"]")
				return
			}
			if javaLen(kv.val.str) > descriptionMax {
				kibanaSchemaError(x, ".description", "value has length ["+strconv.Itoa(javaLen(kv.val.str))+"] but it must have a maximum length of [2048].")
				return
			}
			add("description", kv.val)
		case "metadata":
			if kv.val == nil || kv.val.kind != 'o' {
				kibanaSchemaError(x, ".metadata", "expected value of type [object] but got ["+kv.val.token()+"]")
				return
			}
			add("metadata", kv.val)
		case "elasticsearch":
			if kv.val == nil || kv.val.kind != 'o' {
				kibanaSchemaError(x, ".elasticsearch", "expected a plain object value, but found ["+kv.val.token()+"] instead.")
				return
			}
			for _, ekv := range kv.val.obj {
				switch ekv.key {
				case "cluster", "run_as", "remote_cluster":
					add(ekv.key, ekv.val)
				case "indices", "remote_indices":
					if msg, path := kibanaCheckIndices(ekv.val); msg != "" {
						kibanaSchemaError(x, ".elasticsearch."+ekv.key+path, msg)
						return
					}
					add(ekv.key, ekv.val)
				default:
					kibanaSchemaError(x, ".elasticsearch."+ekv.key, "definition for this key is missing")
					return
				}
			}
		case "kibana":
			kibanaV = kv.val
		default:
			kibanaSchemaError(x, "."+kv.key, "definition for this key is missing")
			return
		}
	}
	apps, path, msg := kibanaToApplications(kibanaV)
	if msg != "" {
		kibanaSchemaError(x, path, msg)
		return
	}
	if !kibanaAuthorize(x, "cluster:admin/xpack/security/role/put") {
		return
	}
	c.mu.RLock()
	existing := c.roles[name]
	c.mu.RUnlock()
	if createOnly && (existing != nil || c.isReservedRole(name)) {
		writeBoom(x.w, x.r, http.StatusConflict, "Role already exists and cannot be created: "+name)
		return
	}
	// Application privileges of other applications on the existing role are
	// kept, so an update through Kibana does not drop them.
	if existing != nil {
		for _, a := range existing.Applications {
			if a.Application != kibanaApp {
				apps = append(apps, a)
			}
		}
	}
	add("applications", fromAny(renderApps(apps)))
	d, e := c.parseRoleBody(name, esDoc)
	if e == nil {
		e = c.checkRoleWrite(name, d)
	}
	if e != nil {
		kibanaESError(x, e)
		return
	}
	c.storeRole(name, d)
	x.w.WriteHeader(http.StatusNoContent)
}

// kibanaCheckIndices applies the Kibana schema rules that are stricter than
// Elasticsearch's: non-empty names and privileges, field_security keys, and a
// query that must be a string.
func kibanaCheckIndices(v *jv) (msg, path string) {
	if v == nil || v.kind != 'a' {
		return "expected value of type [array] but got [" + v.token() + "]", ""
	}
	for i, e := range v.arr {
		p := "." + strconv.Itoa(i)
		if e == nil || e.kind != 'o' {
			return "expected a plain object value, but found [" + e.token() + "] instead.", p
		}
		for _, k := range []string{"names", "privileges"} {
			l := e.get(k)
			if l == nil {
				return "expected value of type [array] but got [undefined]", p + "." + k
			}
			if l.kind == 'a' && len(l.arr) == 0 {
				return "array size is [0], but cannot be smaller than [1]", p + "." + k
			}
		}
		if q := e.get("query"); q != nil && q.kind != 's' {
			return "expected value of type [string] but got [" + q.token() + "]", p + ".query"
		}
		if fs := e.get("field_security"); fs != nil && fs.kind == 'o' {
			for _, kv := range fs.obj {
				if kv.key != "grant" && kv.key != "except" {
					return "definition for this key is missing", p + ".field_security." + kv.key
				}
			}
		}
	}
	return "", ""
}

// kibanaToApplications validates the kibana section and turns it into
// application privileges (transformPrivilegesToElasticsearchPrivileges).
func kibanaToApplications(v *jv) (apps []appPriv, path, msg string) {
	apps = []appPriv{}
	if v == nil || v.isNull() {
		return apps, "", ""
	}
	if v.kind != 'a' {
		return nil, ".kibana", "expected value of type [array] but got [" + v.token() + "]"
	}
	spaceOwner := map[string]bool{}
	var overlap []string
	for i, e := range v.arr {
		p := ".kibana." + strconv.Itoa(i)
		if e == nil || e.kind != 'o' {
			return nil, p, "expected a plain object value, but found [" + e.token() + "] instead."
		}
		spaces := []string{"*"}
		var base []string
		feature := map[string][]string{}
		var featureOrder []string
		for _, kv := range e.obj {
			switch kv.key {
			case "spaces":
				l, ok := kv.val.strictStringArray()
				if !ok {
					return nil, p + ".spaces", "expected value of type [array] but got [" + kv.val.token() + "]"
				}
				isGlobal := len(l) == 1 && l[0] == "*"
				if !isGlobal {
					for j, s := range l {
						if !spaceIDRe().MatchString(s) {
							return nil, p + ".spaces." + strconv.Itoa(j), "must be lower case, a-z, 0-9, '_', and '-' are allowed"
						}
					}
				}
				spaces = l
			case "base":
				l, ok := kv.val.strictStringArray()
				if !ok {
					return nil, p + ".base", "expected value of type [array] but got [" + kv.val.token() + "]"
				}
				base = l
			case "feature":
				if kv.val == nil || kv.val.kind != 'o' {
					return nil, p + ".feature", "expected value of type [object] but got [" + kv.val.token() + "]"
				}
				for _, f := range kv.val.obj {
					if !featureIDRe().MatchString(f.key) {
						return nil, p + ".feature.key(\"" + f.key + "\")", "only a-z, A-Z, 0-9, '_', and '-' are allowed"
					}
					l, ok := f.val.strictStringArray()
					if !ok {
						return nil, p + ".feature." + f.key, "expected value of type [array] but got [" + f.val.token() + "]"
					}
					for j, priv := range l {
						if !featureIDRe().MatchString(priv) {
							return nil, p + ".feature." + f.key + "." + strconv.Itoa(j), "only a-z, A-Z, 0-9, '_', and '-' are allowed"
						}
					}
					if _, dup := feature[f.key]; !dup {
						featureOrder = append(featureOrder, f.key)
					}
					feature[f.key] = l
				}
			case "_reserved":
			default:
				return nil, p + "." + kv.key, "definition for this key is missing"
			}
		}
		global := len(spaces) == 1 && spaces[0] == "*"
		hasFeature := false
		for _, l := range feature {
			if len(l) > 0 {
				hasFeature = true
			}
		}
		if len(base) == 0 && !hasFeature && !e.has("base") && !e.has("feature") {
			return nil, p, "either [base] or [feature] is expected, but none of them specified"
		}
		if len(base) > 0 && hasFeature {
			return nil, p, "definition of [feature] isn't allowed when non-empty [base] is defined."
		}
		for j, b := range base {
			if b != "all" && b != "read" {
				kind := "space"
				if global {
					kind = "global"
				}
				return nil, p + ".base." + strconv.Itoa(j), "unknown " + kind + " privilege \"" + b + "\", must be one of [" +
					strings.Join(kibanaBasePrivileges, ",") + "]"
			}
		}
		for _, s := range spaces {
			if spaceOwner[s] {
				overlap = append(overlap, s)
			}
			spaceOwner[s] = true
		}
		ap := appPriv{Application: kibanaApp, Privileges: []string{}}
		if global {
			ap.Resources = []string{"*"}
			ap.Privileges = append(ap.Privileges, base...)
		} else {
			for _, s := range spaces {
				ap.Resources = append(ap.Resources, "space:"+s)
			}
			for _, b := range base {
				ap.Privileges = append(ap.Privileges, "space_"+b)
			}
		}
		for _, f := range featureOrder {
			for _, priv := range feature[f] {
				ap.Privileges = append(ap.Privileges, "feature_"+f+"."+priv)
			}
		}
		apps = append(apps, ap)
	}
	if len(overlap) > 0 {
		return nil, ".kibana", "more than one privilege is applied to the following spaces: [" + strings.Join(overlap, ", ") + "]"
	}
	return apps, "", ""
}
