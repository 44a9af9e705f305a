package stackemu

import (
	"net/http"
	"strings"
)

type roleTemplate struct {
	Template string
	Format   string
}

type roleMapping struct {
	Enabled   bool
	Roles     []string
	Templates []roleTemplate
	Rules     *rule
	Metadata  map[string]any
}

// rule is a parsed role-mapping expression (ExpressionParser).
type rule struct {
	kind     string // any | all | field | except
	children []*rule
	field    string
	values   []any
}

func rulesError(msg string) *esError {
	return parseError("failed to parse rules expression. " + msg)
}

// parseRule parses one expression object. objectName is the enclosing field
// name used in messages; inAll allows an except element.
func parseRule(v *jv, objectName string, inAll bool) (*rule, *esError) {
	if v == nil || v.kind != 'o' {
		return nil, rulesError("expected [" + objectName + "] to be an object but found [" + v.token() + "] instead")
	}
	if len(v.obj) == 0 {
		return nil, rulesError("object [" + objectName + "] does not contain any fields")
	}
	if len(v.obj) > 1 {
		return nil, rulesError("object [" + objectName + "] contains multiple fields")
	}
	key, val := v.obj[0].key, v.obj[0].val
	switch key {
	case "any", "all":
		if val == nil || val.kind != 'a' {
			return nil, rulesError("field [" + key + "] requires an array")
		}
		r := &rule{kind: key}
		for _, e := range val.arr {
			c, err := parseRule(e, key, key == "all")
			if err != nil {
				return nil, err
			}
			r.children = append(r.children, c)
		}
		return r, nil
	case "except":
		if !inAll {
			return nil, rulesError("field [except] is not allowed within [" + objectName + "]")
		}
		c, err := parseRule(val, key, false)
		if err != nil {
			return nil, err
		}
		return &rule{kind: "except", children: []*rule{c}}, nil
	case "field":
		if val == nil || val.kind != 'o' {
			return nil, rulesError("expected [field] to be an object but found [" + val.token() + "] instead")
		}
		if len(val.obj) == 0 {
			return nil, rulesError("object [field] does not contain any fields")
		}
		if len(val.obj) > 1 {
			return nil, rulesError("object [field] contains multiple fields")
		}
		name, fv := val.obj[0].key, val.obj[0].val
		r := &rule{kind: "field", field: name}
		items := []*jv{fv}
		if fv != nil && fv.kind == 'a' {
			items = fv.arr
		}
		for _, it := range items {
			switch {
			case it == nil || it.kind == 'z':
				r.values = append(r.values, nil)
			case it.kind == 's' || it.kind == 'b' || it.kind == 'n':
				r.values = append(r.values, it.toAny())
			default:
				return nil, rulesError("expected a field value but found [" + it.token() + "] instead")
			}
		}
		return r, nil
	}
	return nil, rulesError("field [" + key + "] is not recognised in object [" + objectName + "]")
}

func (r *rule) render() map[string]any {
	switch r.kind {
	case "any", "all":
		kids := []any{}
		for _, c := range r.children {
			kids = append(kids, c.render())
		}
		return map[string]any{r.kind: kids}
	case "except":
		return map[string]any{"except": r.children[0].render()}
	}
	var v any = r.values
	if len(r.values) == 1 {
		v = r.values[0]
	}
	return map[string]any{"field": map[string]any{r.field: v}}
}

func (m *roleMapping) render() map[string]any {
	out := map[string]any{"enabled": m.Enabled, "rules": m.Rules.render(), "metadata": nonNilMap(m.Metadata)}
	if len(m.Roles) > 0 {
		out["roles"] = m.Roles
	}
	if len(m.Templates) > 0 {
		ts := []any{}
		for _, t := range m.Templates {
			ts = append(ts, map[string]any{"template": t.Template, "format": t.Format})
		}
		out["role_templates"] = ts
	}
	return out
}

func handlePutRoleMapping(x *rctx) {
	if !x.refreshOK() {
		return
	}
	name := x.params["name"]
	v, ok := x.jsonBody(true)
	if !ok {
		return
	}
	prefix := "failed to parse role-mapping [" + name + "]. "
	if v.kind != 'o' {
		x.fail(badRequest("parsing_exception", prefix+"expected an object but found ["+v.token()+"] instead"))
		return
	}
	m := &roleMapping{Metadata: map[string]any{}}
	var hasRoles, hasTemplates, hasRules, hasEnabled bool
	for _, kv := range v.obj {
		val := kv.val
		switch kv.key {
		case "enabled":
			if val == nil || val.kind != 'b' {
				x.fail(badRequest("parsing_exception", prefix+"expected field [enabled] to be a boolean, but found ["+val.token()+"] instead"))
				return
			}
			m.Enabled, hasEnabled = val.b, true
		case "roles":
			l, ok := val.strictStringArray()
			if !ok {
				x.fail(badRequest("parsing_exception", prefix+"expected field [roles] to be an array of strings, but found ["+val.token()+"] instead"))
				return
			}
			m.Roles, hasRoles = l, true
		case "role_templates":
			if val == nil || val.kind != 'a' {
				x.fail(badRequest("parsing_exception", prefix+"expected field [role_templates] to be an array, but found ["+val.token()+"] instead"))
				return
			}
			hasTemplates = true
			for _, e := range val.arr {
				t, err := parseRoleTemplate(prefix, e)
				if err != nil {
					x.fail(err)
					return
				}
				m.Templates = append(m.Templates, t)
			}
		case "rules":
			r, err := parseRule(val, "rules", false)
			if err != nil {
				x.fail(err)
				return
			}
			m.Rules, hasRules = r, true
		case "metadata":
			if val == nil || val.kind != 'o' {
				x.fail(badRequest("parsing_exception", prefix+"expected field [metadata] to be an object, but found ["+val.token()+"] instead"))
				return
			}
			m.Metadata = val.toAny().(map[string]any)
		case "run_as", "doc_type", "type":
			// accepted and ignored
		default:
			x.fail(badRequest("parsing_exception", prefix+"unexpected field ["+kv.key+"]"))
			return
		}
	}
	switch {
	case !hasRoles && !hasTemplates:
		x.fail(badRequest("parsing_exception", prefix+"missing field [roles]"))
		return
	case !hasRules:
		x.fail(badRequest("parsing_exception", prefix+"missing field [rules]"))
		return
	case !hasEnabled:
		x.fail(badRequest("parsing_exception", prefix+"missing field [enabled]"))
		return
	}
	var msgs []string
	switch {
	case len(m.Roles) == 0 && len(m.Templates) == 0:
		msgs = append(msgs, "role-mapping roles or role-templates are missing")
	case len(m.Roles) > 0 && len(m.Templates) > 0:
		msgs = append(msgs, "role-mapping cannot have both roles and role-templates")
	}
	if _, ro := m.Metadata["_read_only"]; ro {
		msgs = append(msgs, "metadata contains [_read_only] flag. You cannot create or update role-mappings with a read-only flag")
	} else if hasUnderscoreKey(m.Metadata) {
		msgs = append(msgs, "metadata keys may not start with [_]")
	}
	if e := actionValidation(msgs); e != nil {
		x.fail(e)
		return
	}
	c := x.c
	c.mu.Lock()
	_, exists := c.mappings[name]
	c.mappings[name] = m
	c.mu.Unlock()
	x.ok(map[string]any{"role_mapping": map[string]any{"created": !exists}})
}

func parseRoleTemplate(prefix string, e *jv) (roleTemplate, *esError) {
	t := roleTemplate{Format: "string"}
	if e == nil || e.kind != 'o' {
		return t, badRequest("parsing_exception", prefix+"expected an object but found ["+e.token()+"] instead")
	}
	has := false
	for _, kv := range e.obj {
		switch kv.key {
		case "template":
			switch {
			case kv.val != nil && kv.val.kind == 's':
				t.Template = kv.val.str
			case kv.val != nil && kv.val.kind == 'o':
				// An object template is stored as a JSON string.
				t.Template = kv.val.compact()
			default:
				return t, badRequest("parsing_exception", prefix+"expected field [template] to be a string or an object, but found ["+kv.val.token()+"] instead")
			}
			has = true
		case "format":
			if kv.val == nil || kv.val.kind != 's' {
				return t, badRequest("parsing_exception", prefix+"expected field [format] to be a string, but found ["+kv.val.token()+"] instead")
			}
			f := strings.ToLower(kv.val.str)
			if f != "json" && f != "string" {
				return t, illegalArg("Invalid format [" + kv.val.str + "] expected one of [json,string]")
			}
			t.Format = f
		default:
			return t, badRequest("parsing_exception", prefix+"unexpected field ["+kv.key+"]")
		}
	}
	if !has {
		return t, badRequest("parsing_exception", prefix+"missing field [template]")
	}
	return t, nil
}

func handleGetRoleMappings(x *rctx) {
	c := x.c
	c.mu.RLock()
	defer c.mu.RUnlock()
	names := nameList(x.params["name"])
	all := len(names) == 0
	for _, n := range names {
		if n == "_all" || n == "*" {
			all = true
		}
	}
	out := map[string]any{}
	if all {
		for n, m := range c.mappings {
			out[n] = m.render()
		}
		x.ok(out)
		return
	}
	for _, n := range names {
		if m, ok := c.mappings[n]; ok {
			out[n] = m.render()
		}
	}
	if len(out) == 0 {
		x.status(http.StatusNotFound, map[string]any{})
		return
	}
	x.ok(out)
}

func handleDeleteRoleMapping(x *rctx) {
	if !x.refreshOK() {
		return
	}
	name := x.params["name"]
	c := x.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.mappings[name]; !ok {
		x.status(http.StatusNotFound, map[string]any{"found": false})
		return
	}
	delete(c.mappings, name)
	x.ok(map[string]any{"found": true})
}
