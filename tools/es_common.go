package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/policy"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// Shared by the Elasticsearch tools: privilege validation against the
// cluster's own list, role descriptor input, Kibana privilege conversion,
// differences.

// esPrivilegeCheck validates privilege names before any write, against the
// names the cluster itself reports (GET /_security/privilege/_builtin, read
// once per cluster). Raw action patterns are accepted, as Elasticsearch does,
// with a warning: named privileges survive upgrades, action names do not.
//
// Its work and its answer are bounded whatever the request holds: each
// unknown name costs at most a comparison with every known name (no edit
// distance between names of very different lengths), the refusal reports
// the first maxPrivilegeProblems names, and the list of valid names appears
// once per kind instead of once per unknown name.
type esPrivilegeCheck struct {
	builtin  *esapi.BuiltinPrivileges
	problems []string
	// unknown counts every unknown name, reported or not.
	unknown int
	// listCluster and listIndex ask for the valid names of that kind to be
	// listed once, for unknown names nothing resembles.
	listCluster, listIndex bool
	warnings               []string
}

const (
	// maxPrivilegeProblems is how many unknown names a refusal reports.
	maxPrivilegeProblems = 10
	// maxSuggestions is how many look-alike names one unknown name gets.
	maxSuggestions = 5
	// maxQuotedName is how much of an unknown name a message repeats.
	maxQuotedName = 80
)

func newPrivilegeCheck(ctx context.Context, t *toolkit.StackTarget) *esPrivilegeCheck {
	pc := &esPrivilegeCheck{}
	b, err := t.ES.Builtin(ctx)
	if err != nil {
		pc.warnings = append(pc.warnings, "the built-in privilege names could not be read ("+esShort(err)+"); Elasticsearch validates them instead")
		return pc
	}
	pc.builtin = b
	return pc
}

func esShort(err error) string {
	if ue, ok := err.(toolkit.UpstreamError); ok {
		return ue.Summary()
	}
	return err.Error()
}

func (pc *esPrivilegeCheck) cluster(where string, names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		l := strings.ToLower(strings.TrimSpace(n))
		out = append(out, l)
		if strings.HasPrefix(l, "cluster:") || strings.HasPrefix(l, "indices:admin/template/") || strings.HasPrefix(l, "indices:admin/index_template/") {
			pc.warn(fmt.Sprintf("%s uses the action pattern %q; prefer a named cluster privilege", where, quotable(n)))
			continue
		}
		if pc.builtin != nil && !slices.Contains(pc.builtin.Cluster, l) {
			pc.unknownName(where, "cluster", n, l, pc.builtin.Cluster, &pc.listCluster)
		}
	}
	return out
}

func (pc *esPrivilegeCheck) index(where string, names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		l := strings.ToLower(strings.TrimSpace(n))
		out = append(out, l)
		if strings.HasPrefix(l, "indices:") {
			pc.warn(fmt.Sprintf("%s uses the action pattern %q; prefer a named index privilege such as read or write", where, quotable(n)))
			continue
		}
		if pc.builtin != nil && !slices.Contains(pc.builtin.Index, l) {
			pc.unknownName(where, "index", n, l, pc.builtin.Index, &pc.listIndex)
		}
	}
	return out
}

// unknownName records an unknown privilege name, with look-alikes when there
// are some and otherwise a request to list the valid names once.
func (pc *esPrivilegeCheck) unknownName(where, kind, given, lower string, known []string, listAll *bool) {
	pc.unknown++
	if len(pc.problems) >= maxPrivilegeProblems {
		*listAll = true // not reported one by one: the valid names still help
		return
	}
	hint := suggest(lower, known)
	if hint == "" {
		*listAll = true
	}
	pc.problems = append(pc.problems, fmt.Sprintf("%s: unknown %s privilege %q%s", where, kind, quotable(given), hint))
}

// warn keeps at most maxPrivilegeProblems warnings about action patterns.
func (pc *esPrivilegeCheck) warn(w string) {
	if len(pc.warnings) < maxPrivilegeProblems {
		pc.warnings = append(pc.warnings, w)
	}
}

func (pc *esPrivilegeCheck) err() error {
	if len(pc.problems) == 0 {
		return nil
	}
	msg := strings.Join(pc.problems, "; ")
	if more := pc.unknown - len(pc.problems); more > 0 {
		msg += fmt.Sprintf("; and %d more unknown privilege names", more)
	}
	if pc.listCluster {
		msg += "; valid cluster privileges: " + strings.Join(pc.builtin.Cluster, ", ")
	}
	if pc.listIndex {
		msg += "; valid index privileges: " + strings.Join(pc.builtin.Index, ", ")
	}
	return toolkit.InvalidArgs("%s", msg)
}

// quotable shortens a name for a message: the request may hold names of any
// length, and the answer repeats only their beginning.
func quotable(name string) string {
	if len(name) <= maxQuotedName {
		return name
	}
	return name[:maxQuotedName] + "..."
}

// suggest names up to maxSuggestions known privileges that look like the
// unknown one ("" when none does): one contains the other, or they are at
// most two edits apart. Its cost is bounded by the known names' lengths,
// not by the unknown name's.
func suggest(bad string, known []string) string {
	var close []string
	for _, k := range known {
		if len(close) == maxSuggestions {
			break
		}
		if strings.Contains(k, bad) || strings.Contains(bad, k) && len(k) > 3 || withinTwoEdits(bad, k) {
			close = append(close, k)
		}
	}
	if len(close) == 0 {
		return ""
	}
	return " (did you mean " + strings.Join(close, ", ") + "?)"
}

// withinTwoEdits reports whether a and b are at most two single-character
// edits apart. Names whose lengths differ by more than two cannot be, so
// they cost nothing; otherwise the work is len(a)*len(b) with both lengths
// close to a known privilege name's.
func withinTwoEdits(a, b string) bool {
	if d := len(a) - len(b); d > 2 || d < -2 {
		return false
	}
	return levenshtein(a, b) <= 2
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// esCheckMetadata refuses keys Elasticsearch reserves.
func esCheckMetadata(where string, m map[string]any) error {
	for k := range m {
		if strings.HasPrefix(k, "_") {
			return toolkit.InvalidArgs("%s key %q: metadata keys may not start with _ (Elasticsearch reserves them)", where, k)
		}
	}
	return nil
}

// serverlessRoleName is the naming rule for custom roles on Serverless.
var serverlessRoleName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// ---- role descriptor input ----

// RoleIndexInput is one index privilege entry of a role or API key.
type RoleIndexInput struct {
	Names         []string           `json:"names" jsonschema:"index patterns" validate:"required,min=1,dive,required"`
	Privileges    []string           `json:"privileges" jsonschema:"e.g. read, view_index_metadata" validate:"required,min=1,dive,required"`
	FieldSecurity FieldSecurityInput `json:"field_security,omitempty" jsonschema:"field-level security"`
	Query         any                `json:"query,omitempty" jsonschema:"DLS query; may use {{_user.metadata.*}}"`
	// AllowRestrictedIndices reaches .security and other system indices.
	AllowRestrictedIndices bool `json:"allow_restricted_indices,omitempty" jsonschema:"include system indices; almost never"`
}

// FieldSecurityInput is field-level security.
type FieldSecurityInput struct {
	Grant  []string `json:"grant,omitempty" jsonschema:"visible fields (wildcards); default [*]"`
	Except []string `json:"except,omitempty" jsonschema:"hidden fields"`
}

// RoleApplicationInput is an application privilege entry.
type RoleApplicationInput struct {
	Application string   `json:"application" validate:"required"`
	Privileges  []string `json:"privileges" validate:"required,min=1,dive,required"`
	Resources   []string `json:"resources" validate:"required,min=1,dive,required"`
}

// esIndexEntries converts and checks index entries. It returns the
// descriptor form and warnings.
func esIndexEntries(pc *esPrivilegeCheck, role string, in []RoleIndexInput) ([]esapi.IndexPrivileges, []string, error) {
	var warnings []string
	out := make([]esapi.IndexPrivileges, 0, len(in))
	for i, e := range in {
		where := fmt.Sprintf("indices[%d]", i)
		ip := esapi.IndexPrivileges{
			Names:                  esapi.StringList(e.Names),
			Privileges:             pc.index(where, e.Privileges),
			AllowRestrictedIndices: e.AllowRestrictedIndices,
		}
		if fs := e.FieldSecurity; len(fs.Grant) > 0 || len(fs.Except) > 0 {
			grant := fs.Grant
			if len(grant) == 0 {
				grant = []string{"*"} // except alone means "everything but"
			}
			if slices.Contains(fs.Except, "*") {
				return nil, nil, toolkit.InvalidArgs("%s.field_security.except cannot be [*]; grant fewer fields instead", where)
			}
			ip.FieldSecurity = &esapi.FieldSecurity{Grant: grant, Except: fs.Except}
		}
		q, wrapped, err := esQueryString(e.Query)
		if err != nil {
			return nil, nil, toolkit.InvalidArgs("%s.query: %v", where, err)
		}
		if wrapped {
			warnings = append(warnings, fmt.Sprintf("%s.query uses {{...}} user attributes, so it was wrapped into a template query; users of role %s need those metadata attributes (create_user or update_user metadata)", where, role))
		}
		ip.Query = q
		if e.AllowRestrictedIndices {
			warnings = append(warnings, fmt.Sprintf("%s covers restricted system indices (allow_restricted_indices)", where))
		}
		out = append(out, ip)
	}
	return out, warnings, nil
}

// esQueryString turns a DLS query (object or JSON string) into the JSON
// string Elasticsearch stores. A query that refers to user attributes
// ({{_user.metadata.x}}) is only evaluated as a mustache template when it is
// wrapped in {"template":{"source":...}}; without the wrapper Elasticsearch
// would silently search for the literal text, so it is wrapped here.
func esQueryString(q any) (s string, wrapped bool, err error) {
	switch v := q.(type) {
	case nil:
		return "", false, nil
	case string:
		if strings.TrimSpace(v) == "" {
			return "", false, nil
		}
		var obj map[string]any
		if err := json.Unmarshal([]byte(v), &obj); err != nil {
			if toJSONSection.MatchString(v) {
				// An unquoted toJson section is only valid as a template.
				tmpl := map[string]any{"source": v}
				if err := checkTemplateRenders(tmpl); err != nil {
					return "", false, err
				}
				b, _ := json.Marshal(map[string]any{"template": tmpl})
				return string(b), true, nil
			}
			return "", false, fmt.Errorf("the query string is not a JSON object: %v", err)
		}
		return esQueryFromObject(obj, v)
	case map[string]any:
		b, _ := json.Marshal(v)
		return esQueryFromObject(v, string(b))
	}
	return "", false, fmt.Errorf("the query must be a Query DSL object or its JSON string, not %T", q)
}

func esQueryFromObject(obj map[string]any, raw string) (string, bool, error) {
	if len(obj) != 1 {
		return "", false, fmt.Errorf("a query has exactly one top-level clause (term, bool, template, ...), not %d", len(obj))
	}
	if t, isTemplate := obj["template"]; isTemplate {
		if err := checkTemplateRenders(t); err != nil {
			return "", false, err
		}
		return raw, false, nil
	}
	if strings.Contains(raw, "{{") {
		// In object form a {{#toJson}} section can only be written inside a
		// JSON string; rendered there, the array would land inside quotes.
		// The template source takes it without them.
		source := quotedToJSON.ReplaceAllString(raw, "$1")
		b, _ := json.Marshal(map[string]any{"template": map[string]any{"source": source}})
		return string(b), true, nil
	}
	return raw, false, nil
}

// quotedToJSON is a JSON string holding nothing but a toJson section.
var quotedToJSON = regexp.MustCompile(`"(\{\{#(?i:tojson)\}\}[^"{}]*\{\{/(?i:tojson)\}\})"`)

// toJSONSection and mustacheVar stand in for what a template renders to, so
// a template whose output could never be a query is refused when the role
// is written rather than when a user searches.
var (
	toJSONSection = regexp.MustCompile(`\{\{#(?i:tojson)\}\}[^{}]*\{\{/(?i:tojson)\}\}`)
	mustacheVar   = regexp.MustCompile(`\{\{[^{}]*\}\}`)
)

// checkTemplateRenders renders a template query's inline source with
// sample values (an array for toJson, a word for a variable) and checks the
// result is a JSON object.
func checkTemplateRenders(t any) error {
	m, ok := t.(map[string]any)
	if !ok {
		return nil
	}
	src, ok := m["source"].(string)
	if !ok {
		return nil // stored scripts (id) and object sources render as they are
	}
	rendered := toJSONSection.ReplaceAllString(src, `["sample"]`)
	rendered = mustacheVar.ReplaceAllString(rendered, "sample")
	var obj map[string]any
	if err := json.Unmarshal([]byte(rendered), &obj); err != nil {
		hint := ""
		if quotedToJSON.MatchString(src) {
			hint = `: a {{#toJson}}...{{/toJson}} section renders a JSON array, so it must not be inside quotes ("terms": {{#toJson}}_user.metadata.tags{{/toJson}})`
		}
		return fmt.Errorf("the template source does not render to a JSON query (%v)%s", err, hint)
	}
	return nil
}

// ---- Kibana privileges ----

// KibanaGrantInput grants Kibana privileges in some spaces.
type KibanaGrantInput struct {
	Base     []string            `json:"base,omitempty" jsonschema:"all or read over every feature; not with features" validate:"dive,oneof=all read"`
	Features map[string][]string `json:"features,omitempty" jsonschema:"by feature id, e.g. {\"dashboard\":[\"read\"]}; all, read, minimal_all, minimal_read"`
	Spaces   []string            `json:"spaces,omitempty" jsonschema:"space ids (list_kibana_spaces); default [*]"`
}

const kibanaApp = "kibana-.kibana"

var (
	kibanaSpaceID = regexp.MustCompile(`^[a-z0-9_-]+$`)
	kibanaID      = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)
)

// esCheckKibana applies the Kibana role API's own rules, so the ES fallback
// path does not store privileges Kibana would reject.
func esCheckKibana(in []KibanaGrantInput) ([]esapi.KibanaPrivileges, error) {
	out := make([]esapi.KibanaPrivileges, 0, len(in))
	seen := map[string]bool{}
	for i, g := range in {
		where := fmt.Sprintf("kibana[%d]", i)
		if len(g.Base) == 0 && len(g.Features) == 0 {
			return nil, toolkit.InvalidArgs("%s needs base or features", where)
		}
		if len(g.Base) > 0 && len(g.Features) > 0 {
			return nil, toolkit.InvalidArgs("%s: give either base or features, not both (Kibana refuses features when base is set)", where)
		}
		spaces := g.Spaces
		if len(spaces) == 0 {
			spaces = []string{"*"}
		}
		if slices.Contains(spaces, "*") && len(spaces) > 1 {
			return nil, toolkit.InvalidArgs("%s.spaces is either [*] or a list of space ids", where)
		}
		for _, s := range spaces {
			if s != "*" && !kibanaSpaceID.MatchString(s) {
				return nil, toolkit.InvalidArgs("%s.spaces: %q is not a space id (lower-case letters, digits, _ and -)", where, s)
			}
			if seen[s] {
				return nil, toolkit.InvalidArgs("%s: space %q is already granted by another entry; merge the entries", where, s)
			}
			seen[s] = true
		}
		feat := map[string][]string{}
		for id, privs := range g.Features {
			if !kibanaID.MatchString(id) {
				return nil, toolkit.InvalidArgs("%s.features: %q is not a Kibana feature id", where, id)
			}
			if len(privs) == 0 {
				return nil, toolkit.InvalidArgs("%s.features.%s needs at least one privilege (read, all, minimal_read, minimal_all)", where, id)
			}
			for _, p := range privs {
				if !kibanaID.MatchString(p) {
					return nil, toolkit.InvalidArgs("%s.features.%s: %q is not a feature privilege", where, id, p)
				}
			}
			feat[id] = privs
		}
		out = append(out, esapi.KibanaPrivileges{Base: nonNil(g.Base), Feature: feat, Spaces: spaces})
	}
	return out, nil
}

// esKibanaApplications is the Elasticsearch form of Kibana privileges, the
// same translation Kibana's role API makes.
func esKibanaApplications(kp []esapi.KibanaPrivileges) []esapi.ApplicationPrivileges {
	var out []esapi.ApplicationPrivileges
	for _, k := range kp {
		global := len(k.Spaces) == 1 && k.Spaces[0] == "*"
		var privs, res []string
		for _, b := range k.Base {
			if global {
				privs = append(privs, b)
			} else {
				privs = append(privs, "space_"+b)
			}
		}
		for _, id := range esapi.SortedKeys(k.Feature) {
			for _, p := range k.Feature[id] {
				privs = append(privs, "feature_"+id+"."+p)
			}
		}
		if global {
			res = []string{"*"}
		} else {
			for _, s := range k.Spaces {
				res = append(res, "space:"+s)
			}
		}
		out = append(out, esapi.ApplicationPrivileges{Application: kibanaApp, Privileges: privs, Resources: res})
	}
	return out
}

// esKibanaSummary describes Kibana application privileges compactly:
// "dashboard:read in all spaces", "base all in space marketing".
func esKibanaSummary(apps []esapi.ApplicationPrivileges) []string {
	var out []string
	for _, a := range apps {
		if a.Application != kibanaApp && a.Application != "*" {
			continue
		}
		where := "all spaces"
		if !(len(a.Resources) == 1 && a.Resources[0] == "*") {
			var sp []string
			for _, r := range a.Resources {
				sp = append(sp, strings.TrimPrefix(r, "space:"))
			}
			where = "spaces " + strings.Join(sp, ",")
		}
		for _, p := range a.Privileges {
			switch {
			case strings.HasPrefix(p, "feature_"):
				id, priv, _ := strings.Cut(strings.TrimPrefix(p, "feature_"), ".")
				out = append(out, id+":"+priv+" in "+where)
			case strings.HasPrefix(p, "space_"):
				out = append(out, "base "+strings.TrimPrefix(p, "space_")+" in "+where)
			case a.Application == "*":
				out = append(out, "every application privilege ("+p+")")
			default:
				out = append(out, "base "+p+" in "+where)
			}
		}
	}
	return out
}

// ---- superuser-like grants ----

// esEscalations lists, in words, what the access policy judges superuser
// power in a descriptor; the policy is the only place that decides it.
func esEscalations(d esapi.RoleDescriptor) []string {
	role, err := policyRole(d)
	if err != nil {
		return []string{"a definition the access policy cannot read"}
	}
	p, err := policy.NewPermission(policy.NamedRole{Name: "this role", Role: role})
	if err != nil {
		return []string{"a definition the access policy cannot read"}
	}
	var out []string
	for _, c := range p.Escalations() {
		one := policy.Delta{Grants: []policy.Grant{{Principal: policy.Principal{Kind: "role"}, Capability: c}}}
		words := one.Describe()
		if _, after, ok := strings.Cut(words, " gains "); ok {
			words = after
		}
		out = append(out, strings.TrimSuffix(words, " (through role this role)"))
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ---- differences ----

// esRoleDiff lists what changes between two role descriptors, one line per
// changed part, so an overwrite can be reviewed before it is approved.
func esRoleDiff(old, new esapi.RoleDescriptor) []string {
	var out []string
	add := func(field string, a, b any) {
		if !reflect.DeepEqual(normalizeForDiff(a), normalizeForDiff(b)) {
			out = append(out, fmt.Sprintf("%s: %s -> %s", field, compactJSON(a), compactJSON(b)))
		}
	}
	add("description", old.Description, new.Description)
	add("cluster", old.Cluster, new.Cluster)
	add("indices", old.Indices, new.Indices)
	add("applications", old.Applications, new.Applications)
	add("run_as", old.RunAs, new.RunAs)
	add("metadata", stripReserved(old.Metadata), stripReserved(new.Metadata))
	add("remote_indices", old.RemoteIndices, new.RemoteIndices)
	add("remote_cluster", old.RemoteCluster, new.RemoteCluster)
	add("global", old.Global, new.Global)
	return out
}

// normalizeForDiff makes nil and empty the same, through a JSON round trip.
func normalizeForDiff(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	switch x := out.(type) {
	case nil:
		return nil
	case []any:
		if len(x) == 0 {
			return nil
		}
	case map[string]any:
		if len(x) == 0 {
			return nil
		}
	case string:
		if x == "" {
			return nil
		}
	}
	return out
}

func compactJSON(v any) string {
	n := normalizeForDiff(v)
	if n == nil {
		return "(none)"
	}
	b, _ := json.Marshal(n)
	s := string(b)
	if len(s) > 400 {
		s = s[:400] + "..."
	}
	return s
}

func stripReserved(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if !strings.HasPrefix(k, "_") {
			out[k] = v
		}
	}
	return out
}

// ---- pages ----

func sortedUnique(list []string) []string {
	out := slices.Clone(list)
	sort.Strings(out)
	return slices.Compact(out)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
