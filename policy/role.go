package policy

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Role is a role descriptor in the JSON form Elasticsearch uses for roles and
// API keys' role_descriptors (the same shape as esapi.RoleDescriptor, so a
// tool converts with one json round trip or a field copy).
type Role struct {
	Cluster      []string                `json:"cluster,omitempty"`
	Indices      []IndexPrivileges       `json:"indices,omitempty"`
	Applications []ApplicationPrivileges `json:"applications,omitempty"`
	RunAs        []string                `json:"run_as,omitempty"`
	Metadata     map[string]any          `json:"metadata,omitempty"`
}

// IndexPrivileges is one indices[] entry.
type IndexPrivileges struct {
	Names                  []string       `json:"names"`
	Privileges             []string       `json:"privileges"`
	FieldSecurity          *FieldSecurity `json:"field_security,omitempty"`
	Query                  string         `json:"query,omitempty"` // DLS query, JSON text
	AllowRestrictedIndices bool           `json:"allow_restricted_indices,omitempty"`
}

// FieldSecurity is field-level security: granted fields minus excepted ones.
type FieldSecurity struct {
	Grant  []string `json:"grant,omitempty"`
	Except []string `json:"except,omitempty"`
}

// ApplicationPrivileges is one applications[] entry.
type ApplicationPrivileges struct {
	Application string   `json:"application"`
	Privileges  []string `json:"privileges"`
	Resources   []string `json:"resources"`
}

// UnmarshalJSON accepts names as a string or a list and query as a string or
// an object, as Elasticsearch does.
func (p *IndexPrivileges) UnmarshalJSON(b []byte) error {
	var aux struct {
		Names                  json.RawMessage `json:"names"`
		Privileges             []string        `json:"privileges"`
		FieldSecurity          *FieldSecurity  `json:"field_security"`
		Query                  json.RawMessage `json:"query"`
		AllowRestrictedIndices bool            `json:"allow_restricted_indices"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*p = IndexPrivileges{Privileges: aux.Privileges, FieldSecurity: aux.FieldSecurity,
		AllowRestrictedIndices: aux.AllowRestrictedIndices}
	if len(aux.Names) > 0 {
		var one string
		if json.Unmarshal(aux.Names, &one) == nil {
			p.Names = []string{one}
		} else if err := json.Unmarshal(aux.Names, &p.Names); err != nil {
			return fmt.Errorf("names: %v", err)
		}
	}
	if len(aux.Query) > 0 && string(aux.Query) != "null" {
		var s string
		if json.Unmarshal(aux.Query, &s) == nil {
			p.Query = s
		} else {
			p.Query = string(aux.Query)
		}
	}
	return nil
}

// NamedRole is a role with the name it is known by.
type NamedRole struct {
	Name string
	Role Role
}

// compiled forms: every pattern turned into a Set once.

type compiledRole struct {
	name    string
	cluster Set
	groups  []compiledGroup
	apps    []ApplicationPrivileges
	runAs   Set
	raw     Role
	unknown []string // privileges and patterns the policy cannot resolve
}

type compiledGroup struct {
	names  Set // after the restricted-indices rule
	privs  Set
	source IndexPrivileges
}

func (g compiledGroup) restricted() bool {
	return g.source.Query != "" || g.source.FieldSecurity != nil
}

// compileRole turns a role into sets. Definitions read from a cluster may
// use privileges newer than the pinned version; those are kept in unknown
// (and judged as possible escalations) instead of failing the evaluation.
// Validate is the strict form for definitions an agent proposes.
func compileRole(name string, r Role) *compiledRole {
	c := &compiledRole{name: name, raw: r, apps: r.Applications}
	cluster := compiledList("cluster privilege", "", r.Cluster, ClusterPrivilege, nil)
	c.cluster = cluster.set
	c.unknown = append(c.unknown, cluster.unknown...)
	for _, ip := range r.Indices {
		variant, finish := "", func(s Set) Set { return s.Minus(restrictedIndices()) }
		if ip.AllowRestrictedIndices {
			variant, finish = "allow_restricted_indices", nil
		}
		names := compiledList("index pattern", variant, ip.Names, Pattern, finish)
		privs := compiledList("index privilege", "", ip.Privileges, IndexPrivilege, nil)
		c.unknown = append(append(c.unknown, names.unknown...), privs.unknown...)
		c.groups = append(c.groups, compiledGroup{names: names.set, privs: privs.set, source: ip})
	}
	runAs := compiledList("run_as pattern", "", r.RunAs, Pattern, nil)
	c.runAs = runAs.set
	c.unknown = append(c.unknown, runAs.unknown...)
	return c
}

// Validate reports the first privilege name or pattern of a role that the
// policy cannot resolve: unknown privileges and invalid patterns. Elasticsearch
// would reject them too, so a proposed role with one is bad input.
func Validate(r Role) error {
	for _, p := range r.Cluster {
		if _, err := ClusterPrivilege(p); err != nil {
			return err
		}
	}
	for _, ip := range r.Indices {
		if len(ip.Names) == 0 {
			return fmt.Errorf("an indices entry needs at least one name")
		}
		for _, n := range ip.Names {
			if _, err := Pattern(n); err != nil {
				return err
			}
		}
		for _, p := range ip.Privileges {
			if _, err := IndexPrivilege(p); err != nil {
				return err
			}
		}
	}
	for _, u := range r.RunAs {
		if _, err := Pattern(u); err != nil {
			return fmt.Errorf("run_as: %v", err)
		}
	}
	for _, ap := range r.Applications {
		for _, res := range ap.Resources {
			if _, err := Pattern(res); err != nil {
				return fmt.Errorf("application %s: %v", ap.Application, err)
			}
		}
	}
	return nil
}

// Permission is what a principal may do: the union of its roles, and for an
// API key the intersection of that union with its owner's (limited_by) roles.
// Build one with NewPermission or Limit.
type Permission struct {
	layers [][]*compiledRole
}

// NewPermission compiles the roles a principal holds. Privileges the
// policy does not know (a newer cluster's) grant nothing in the answers and
// count as possible escalations; Unknown lists them. The error is reserved
// for future use and is always nil today.
func NewPermission(roles ...NamedRole) (*Permission, error) {
	layer := make([]*compiledRole, 0, len(roles))
	for _, r := range roles {
		layer = append(layer, compileRole(r.Name, r.Role))
	}
	return &Permission{layers: [][]*compiledRole{layer}}, nil
}

// Unknown lists, per role, the privileges and patterns the policy could not
// resolve.
func (p *Permission) Unknown() map[string][]string {
	out := map[string][]string{}
	for _, l := range p.layers {
		for _, r := range l {
			if len(r.unknown) > 0 {
				out[r.name] = r.unknown
			}
		}
	}
	return out
}

// Limit returns the permission restricted by another (an API key's role
// descriptors limited by its owner's roles).
func (p *Permission) Limit(by *Permission) *Permission {
	out := &Permission{}
	out.layers = append(append(out.layers, p.layers...), by.layers...)
	return out
}

// Roles lists the role names of every layer.
func (p *Permission) Roles() []string {
	var out []string
	for _, l := range p.layers {
		for _, r := range l {
			out = append(out, r.name)
		}
	}
	return uniqSorted(out)
}

// ClusterAnswer is whether a cluster privilege is held and which roles
// contribute to it.
type ClusterAnswer struct {
	Privilege string   `json:"privilege"`
	Allowed   bool     `json:"allowed"`
	GrantedBy []string `json:"granted_by,omitempty"`
}

// Cluster answers "is cluster privilege (or action pattern) name held?": held
// when the union of the roles' cluster actions contains every action the name
// stands for, in every layer.
func (p *Permission) Cluster(name string) (ClusterAnswer, error) {
	want, err := ClusterPrivilege(name)
	if err != nil {
		return ClusterAnswer{}, err
	}
	ans := ClusterAnswer{Privilege: name, Allowed: len(p.layers) > 0}
	var by []string
	for li, layer := range p.layers {
		var union Set
		for _, r := range layer {
			union = union.Union(r.cluster)
			if li == 0 && r.cluster.Overlaps(want) {
				by = append(by, r.name)
			}
		}
		if !want.SubsetOf(union) {
			ans.Allowed = false
		}
	}
	if ans.Allowed {
		ans.GrantedBy = uniqSorted(by)
	}
	return ans, nil
}

// IndexAnswer answers one index privilege on one index name or pattern.
type IndexAnswer struct {
	Index     string   `json:"index"`
	Privilege string   `json:"privilege"`
	Allowed   bool     `json:"allowed"`
	GrantedBy []string `json:"granted_by,omitempty"`
	// DLS: nil when document access is unrestricted.
	DocumentQueries []string `json:"document_queries,omitempty"`
	// FLS: nil when every field is visible, else one entry per granting group.
	FieldSecurity []FieldSecurity `json:"field_security,omitempty"`
	// Warnings say where one role cancels another's restriction.
	Warnings []string `json:"warnings,omitempty"`
}

// Unrestricted reports whether documents and fields are both unrestricted.
func (a IndexAnswer) Unrestricted() bool { return a.DocumentQueries == nil && a.FieldSecurity == nil }

// Index answers "is index privilege priv held on index?" where index is a
// name, a pattern or an expression with exclusions ("logs-*,-logs-secret"),
// with Elasticsearch's checkResourcePrivileges: the requested names, minus
// the restricted indices unless allowRestricted or a concrete restricted
// name is asked for, must be covered by the index groups whose privileges
// together contain priv. Document- and field-level security of the granting
// groups are combined as Elasticsearch combines them: any group without a
// query or field restriction lifts it.
func (p *Permission) Index(index, priv string, allowRestricted bool) (IndexAnswer, error) {
	want, err := IndexPrivilege(priv)
	if err != nil {
		return IndexAnswer{}, err
	}
	names, err := IndexExpression(index)
	if err != nil {
		return IndexAnswer{}, err
	}
	if !allowRestricted && !(isConcrete(index) && IsRestrictedIndex(index)) {
		names = names.Minus(restrictedIndices())
	}
	ans := IndexAnswer{Index: index, Privilege: priv, Allowed: len(p.layers) > 0}
	if names.IsEmpty() {
		return ans, nil
	}
	// The granting groups are those that hold the whole privilege on their
	// own; only when the privilege is assembled from several groups do the
	// contributing ones count (a view_index_metadata group shares field_caps
	// with read, but does not grant read).
	var full, partial []compiledGroup
	var fullRoles, partialRoles []string
	for li, layer := range p.layers {
		var union Set
		for _, r := range layer {
			for _, g := range r.groups {
				if !names.SubsetOf(g.names) {
					continue
				}
				union = union.Union(g.privs)
				if li > 0 {
					continue // limited_by layers restrict, they do not grant
				}
				if want.SubsetOf(g.privs) {
					full, fullRoles = append(full, g), append(fullRoles, r.name)
				} else if g.privs.Overlaps(want) {
					partial, partialRoles = append(partial, g), append(partialRoles, r.name)
				}
			}
		}
		if !want.SubsetOf(union) {
			ans.Allowed = false
		}
	}
	if !ans.Allowed {
		return ans, nil
	}
	if len(full) == 0 {
		full, fullRoles = partial, partialRoles
	}
	ans.GrantedBy = uniqSorted(fullRoles)
	ans.DocumentQueries, ans.FieldSecurity, ans.Warnings = combineRestrictions(full, fullRoles)
	return ans, nil
}

func isConcrete(name string) bool {
	return !strings.ContainsAny(name, "*?") && !strings.HasPrefix(name, "/")
}

func combineRestrictions(groups []compiledGroup, roles []string) ([]string, []FieldSecurity, []string) {
	var queries []string
	var fls []FieldSecurity
	unrestrictedDocs, allFields := false, false
	var docsFrom, fieldsFrom, openDocs, openFields []string
	for i, g := range groups {
		if g.source.Query == "" {
			unrestrictedDocs = true
			openDocs = append(openDocs, roles[i])
		} else {
			queries = append(queries, g.source.Query)
			docsFrom = append(docsFrom, roles[i])
		}
		if g.source.FieldSecurity == nil {
			allFields = true
			openFields = append(openFields, roles[i])
		} else {
			fls = append(fls, *g.source.FieldSecurity)
			fieldsFrom = append(fieldsFrom, roles[i])
		}
	}
	var warnings []string
	if unrestrictedDocs && len(docsFrom) > 0 {
		warnings = append(warnings, fmt.Sprintf("the document-level security of %s is cancelled by %s, which grants this without a query",
			strings.Join(uniqSorted(docsFrom), ", "), strings.Join(uniqSorted(openDocs), ", ")))
		queries = nil
	}
	if allFields && len(fieldsFrom) > 0 {
		warnings = append(warnings, fmt.Sprintf("the field-level security of %s is cancelled by %s, which grants every field",
			strings.Join(uniqSorted(fieldsFrom), ", "), strings.Join(uniqSorted(openFields), ", ")))
		fls = nil
	}
	if unrestrictedDocs {
		queries = nil
	}
	if allFields {
		fls = nil
	}
	return uniqSorted(queries), fls, warnings
}

// ApplicationAnswer answers one application privilege on one resource.
type ApplicationAnswer struct {
	Application string   `json:"application"`
	Resource    string   `json:"resource"`
	Privilege   string   `json:"privilege"`
	Allowed     bool     `json:"allowed"`
	GrantedBy   []string `json:"granted_by,omitempty"`
}

// Application answers "is application privilege priv held on resource?".
// Application names and resources are wildcard patterns in the role; the
// requested resource (a name or pattern) must be covered.
func (p *Permission) Application(app, resource, priv string) (ApplicationAnswer, error) {
	res, err := Pattern(resource)
	if err != nil {
		return ApplicationAnswer{}, err
	}
	ans := ApplicationAnswer{Application: app, Resource: resource, Privilege: priv, Allowed: len(p.layers) > 0}
	var by []string
	for li, layer := range p.layers {
		ok := false
		for _, r := range layer {
			for _, ap := range r.apps {
				a, err := Pattern(ap.Application)
				if err != nil || !a.Contains(app) {
					continue
				}
				granted, err := Patterns(ap.Resources...)
				if err != nil || !res.SubsetOf(granted) {
					continue
				}
				for _, gp := range ap.Privileges {
					if appPrivImplies(app, gp, priv) {
						ok = true
						if li == 0 {
							by = append(by, r.name)
						}
					}
				}
			}
		}
		if !ok {
			ans.Allowed = false
		}
	}
	if ans.Allowed {
		ans.GrantedBy = uniqSorted(by)
	}
	return ans, nil
}

// RunAs reports whether the principal may run as user, and by which roles.
func (p *Permission) RunAs(user string) (bool, []string) {
	if len(p.layers) == 0 {
		return false, nil
	}
	var by []string
	for li, layer := range p.layers {
		ok := false
		for _, r := range layer {
			if r.runAs.Contains(user) {
				ok = true
				if li == 0 {
					by = append(by, r.name)
				}
			}
		}
		if !ok {
			return false, nil
		}
	}
	return true, uniqSorted(by)
}

// Summary is a compact description of what a permission allows, for a
// principal's overview.
func (p *Permission) Summary() []string {
	var out []string
	for _, c := range p.capabilities() {
		out = append(out, c.describe())
	}
	for _, layer := range p.layers {
		for _, r := range layer {
			for _, g := range r.groups {
				line := fmt.Sprintf("%s: %s on %s", r.name, strings.Join(g.source.Privileges, ","), strings.Join(g.source.Names, ","))
				if g.restricted() {
					line += " (document or field restricted)"
				}
				out = append(out, line)
			}
			if len(r.raw.Cluster) > 0 {
				out = append(out, fmt.Sprintf("%s: cluster %s", r.name, strings.Join(r.raw.Cluster, ",")))
			}
		}
	}
	sort.Strings(out)
	return uniqSorted(out)
}
