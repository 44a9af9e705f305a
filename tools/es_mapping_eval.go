package tools

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
)

// Role mappings evaluated the way Elasticsearch evaluates them for a user
// of an external realm, so that explain_access can say which roles a SAML,
// OIDC, LDAP or PKI user gets without that user logging in.

// mappingUser is what a realm reports about a user: the fields a mapping
// rule can match and a role template can use.
type mappingUser struct {
	Username string
	DN       string
	Groups   []string
	Realm    string
	Metadata map[string]any
}

// values returns the user's values of a rule field (nil when unknown).
func (u mappingUser) values(field string) []any {
	switch {
	case field == "username":
		return []any{u.Username}
	case field == "dn":
		if u.DN == "" {
			return nil
		}
		return []any{u.DN}
	case field == "groups":
		out := make([]any, 0, len(u.Groups))
		for _, g := range u.Groups {
			out = append(out, g)
		}
		return out
	case field == "realm.name":
		return []any{u.Realm}
	case strings.HasPrefix(field, "metadata."):
		v, ok := u.Metadata[strings.TrimPrefix(field, "metadata.")]
		if !ok {
			return nil
		}
		if l, ok := v.([]any); ok {
			return l
		}
		return []any{v}
	}
	return nil
}

// ruleMatches evaluates a role-mapping rule (any, all, field, except).
func ruleMatches(rule map[string]any, u mappingUser) bool {
	for k, v := range rule {
		switch k {
		case "any":
			for _, c := range asRuleList(v) {
				if ruleMatches(c, u) {
					return true
				}
			}
			return false
		case "all":
			for _, c := range asRuleList(v) {
				if !ruleMatches(c, u) {
					return false
				}
			}
			return true
		case "except":
			c, _ := v.(map[string]any)
			return !ruleMatches(c, u)
		case "field":
			f, _ := v.(map[string]any)
			for name, want := range f {
				wants, ok := want.([]any)
				if !ok {
					wants = []any{want}
				}
				for _, have := range u.values(name) {
					for _, w := range wants {
						if fieldValueMatches(w, have) {
							return true
						}
					}
				}
			}
			return false
		}
	}
	return false
}

func asRuleList(v any) []map[string]any {
	l, _ := v.([]any)
	out := make([]map[string]any, 0, len(l))
	for _, e := range l {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// fieldValueMatches compares one rule value with one user value: strings
// are wildcard patterns (* and ?) or /regular expressions/; numbers,
// booleans and null compare by value.
func fieldValueMatches(want, have any) bool {
	ws, wantString := want.(string)
	if !wantString {
		return fmt.Sprint(want) == fmt.Sprint(have)
	}
	hs := fmt.Sprint(have)
	if have == nil {
		return false
	}
	re, err := ruleValuePattern(ws)
	if err != nil {
		return ws == hs
	}
	return re.MatchString(hs)
}

func ruleValuePattern(s string) (*regexp.Regexp, error) {
	if len(s) >= 2 && strings.HasPrefix(s, "/") && strings.HasSuffix(s, "/") {
		return regexp.Compile("^(?:" + s[1:len(s)-1] + ")$")
	}
	var b strings.Builder
	b.WriteString("^")
	for _, r := range s {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

// templateSource is a role template's inline mustache source ("" for
// stored scripts).
func templateSource(rt esapi.RoleTemplate) string {
	switch v := rt.Template.(type) {
	case map[string]any:
		s, _ := v["source"].(string)
		return s
	case string:
		var m map[string]any
		if json.Unmarshal([]byte(v), &m) == nil {
			s, _ := m["source"].(string)
			return s
		}
		return v
	}
	return ""
}

var (
	mustacheToJSON = regexp.MustCompile(`\{\{#(?i:tojson)\}\}\s*([^{}]*?)\s*\{\{/(?i:tojson)\}\}`)
	mustacheName   = regexp.MustCompile(`\{\{\s*([^#/{}][^{}]*?)\s*\}\}`)
)

// renderRoleTemplate renders a role template for a user: the role names it
// produces (format json: a name or an array of names; string: one name).
func renderRoleTemplate(rt esapi.RoleTemplate, u mappingUser) []string {
	src := templateSource(rt)
	model := map[string]any{"username": u.Username, "dn": u.DN, "groups": stringsToAny(u.Groups),
		"realm": map[string]any{"name": u.Realm}, "metadata": u.Metadata}
	rendered := mustacheToJSON.ReplaceAllStringFunc(src, func(m string) string {
		b, _ := json.Marshal(lookupPath(model, mustacheToJSON.FindStringSubmatch(m)[1]))
		return string(b)
	})
	rendered = mustacheName.ReplaceAllStringFunc(rendered, func(m string) string {
		v := lookupPath(model, mustacheName.FindStringSubmatch(m)[1])
		if v == nil {
			return ""
		}
		return fmt.Sprint(v)
	})
	if rt.Format != "json" {
		if rendered == "" {
			return nil
		}
		return []string{rendered}
	}
	var one string
	if json.Unmarshal([]byte(rendered), &one) == nil {
		return []string{one}
	}
	var many []string
	if json.Unmarshal([]byte(rendered), &many) == nil {
		return many
	}
	return nil
}

func stringsToAny(l []string) []any {
	out := make([]any, 0, len(l))
	for _, s := range l {
		out = append(out, s)
	}
	return out
}

func lookupPath(model map[string]any, path string) any {
	var cur any = model
	for _, seg := range strings.Split(strings.TrimSpace(path), ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[seg]
	}
	return cur
}

// templateNamePattern is the set of role names a template can produce, as
// a wildcard pattern: every user-controlled part becomes *. A json-format
// template with a toJson section can produce any list of names.
func templateNamePattern(rt esapi.RoleTemplate) string {
	src := templateSource(rt)
	if rt.Format == "json" && mustacheToJSON.MatchString(src) {
		return "*"
	}
	p := mustacheToJSON.ReplaceAllString(src, "*")
	p = mustacheName.ReplaceAllString(p, "*")
	if rt.Format == "json" {
		var s string
		if json.Unmarshal([]byte(p), &s) == nil {
			p = s
		}
	}
	return p
}
