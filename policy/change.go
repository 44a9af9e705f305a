package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// Reader reads role definitions. The tool layer implements it over the
// configured cluster, or over a Cloud project's Elasticsearch.
type Reader interface {
	// Roles returns the definitions of the named roles, built-in ones
	// included, as the cluster reports them; a name the cluster does not
	// know is absent from the result. project is "" for the configured
	// cluster, a Cloud project or deployment id, or AnyProject when a Cloud
	// grant reaches every project.
	Roles(ctx context.Context, project string, names []string) (map[string]Role, error)
}

// AnyProject is the project argument of Reader.Roles for grants on every
// current and future project or deployment.
const AnyProject = "*"

// Change is a proposed write on either plane. Set the fields that apply; a
// tool that makes several changes at once sets several.
type Change struct {
	Roles    []RoleChange    `json:"roles,omitempty"`
	Users    []UserChange    `json:"users,omitempty"`
	Mappings []MappingChange `json:"mappings,omitempty"`
	APIKeys  []APIKeyChange  `json:"api_keys,omitempty"`
	Cloud    []CloudChange   `json:"cloud,omitempty"`
	// Project is the Cloud project the Elasticsearch changes apply to, "" for
	// the configured cluster.
	Project string `json:"project,omitempty"`
}

// RoleChange creates or replaces a role. Old is nil for a new role.
type RoleChange struct {
	Name string `json:"name"`
	Old  *Role  `json:"old,omitempty"`
	New  Role   `json:"new"`
}

// UserChange creates or updates a user. Exists is false for a new user.
type UserChange struct {
	Username   string   `json:"username"`
	Exists     bool     `json:"exists"`
	OldRoles   []string `json:"old_roles,omitempty"`
	OldEnabled bool     `json:"old_enabled"`
	NewRoles   []string `json:"new_roles"`
	NewEnabled bool     `json:"new_enabled"`
}

// RoleMapping is a role mapping in Elasticsearch's JSON form.
type RoleMapping struct {
	Enabled       bool           `json:"enabled"`
	Roles         []string       `json:"roles,omitempty"`
	RoleTemplates []RoleTemplate `json:"role_templates,omitempty"`
	Rules         map[string]any `json:"rules"`
}

// RoleTemplate is a mustache template producing role names.
type RoleTemplate struct {
	Template any    `json:"template"` // {"source": "..."} or its JSON text
	Format   string `json:"format,omitempty"`
}

// MappingChange creates or replaces a role mapping. Old is nil for a new one.
type MappingChange struct {
	Name string       `json:"name"`
	Old  *RoleMapping `json:"old,omitempty"`
	New  RoleMapping  `json:"new"`
}

// APIKeyChange creates or updates an Elasticsearch API key. An empty
// NewDescriptors means the key gets every privilege of its owner; OwnerRoles
// (nil when unknown) are the roles of the credential the key belongs to,
// which limit it. When that credential is itself an API key, give its
// effective role descriptors as OwnerDescriptors instead.
type APIKeyChange struct {
	Name             string          `json:"name"`
	ID               string          `json:"id,omitempty"`
	Exists           bool            `json:"exists"`
	OldDescriptors   map[string]Role `json:"old_descriptors,omitempty"`
	NewDescriptors   map[string]Role `json:"new_descriptors"`
	OwnerRoles       []string        `json:"owner_roles,omitempty"`
	OwnerDescriptors map[string]Role `json:"owner_descriptors,omitempty"`
}

// Principal is who gains a capability.
type Principal struct {
	// Kind: role (everyone holding it), user, role_mapping (the users its
	// rules match), api_key, cloud_member, cloud_invitation, cloud_api_key.
	Kind string `json:"kind"`
	Name string `json:"name"`
}

func (p Principal) String() string {
	switch p.Kind {
	case "user":
		return p.Name
	case "role":
		return "role " + p.Name + " (everyone holding it)"
	case "role_mapping":
		return "role mapping " + p.Name + " (every user its rules match)"
	case "api_key":
		return "API key " + p.Name
	case "cloud_member":
		return "Cloud member " + p.Name
	case "cloud_invitation":
		return "the invitee " + p.Name
	case "cloud_api_key":
		return "Cloud API key " + p.Name
	}
	return p.Kind + " " + p.Name
}

// Evaluate turns a change into its grant delta: which principals gain which
// capabilities. Role names are resolved through reader; a template whose
// output cannot be known statically counts as able to produce any role.
func Evaluate(ctx context.Context, c Change, reader Reader) (*Delta, error) {
	// Definitions the agent proposes must resolve completely: Elasticsearch
	// would reject what the policy cannot read, and a guess is no judgement.
	for _, rc := range c.Roles {
		if err := Validate(rc.New); err != nil {
			return nil, fmt.Errorf("role [%s]: %w", rc.Name, err)
		}
	}
	for _, kc := range c.APIKeys {
		for _, n := range sortedKeys(kc.NewDescriptors) {
			if err := Validate(kc.NewDescriptors[n]); err != nil {
				return nil, fmt.Errorf("API key [%s] role descriptor [%s]: %w", kc.Name, n, err)
			}
		}
	}
	ev := &evaluator{ctx: ctx, reader: reader, project: c.Project, cache: map[string]map[string]*Role{}}
	d := &Delta{}
	for _, rc := range c.Roles {
		if err := ev.role(d, rc); err != nil {
			return nil, err
		}
	}
	for _, uc := range c.Users {
		if err := ev.user(d, uc); err != nil {
			return nil, err
		}
	}
	for _, mc := range c.Mappings {
		if err := ev.mapping(d, mc); err != nil {
			return nil, err
		}
	}
	for _, kc := range c.APIKeys {
		if err := ev.apiKey(d, kc); err != nil {
			return nil, err
		}
	}
	for _, cc := range c.Cloud {
		if err := ev.cloud(d, cc); err != nil {
			return nil, err
		}
	}
	d.normalize()
	return d, nil
}

type evaluator struct {
	ctx     context.Context
	reader  Reader
	project string
	cache   map[string]map[string]*Role
}

// lookup resolves role names in a project; unknown names map to nil.
func (ev *evaluator) lookup(project string, names []string) (map[string]*Role, error) {
	byProject := ev.cache[project]
	if byProject == nil {
		byProject = map[string]*Role{}
		ev.cache[project] = byProject
	}
	var missing []string
	for _, n := range uniqSorted(names) {
		if _, ok := byProject[n]; !ok {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		if ev.reader == nil {
			return nil, fmt.Errorf("policy: no role reader to resolve roles %v", missing)
		}
		got, err := ev.reader.Roles(ev.ctx, project, missing)
		if err != nil {
			return nil, fmt.Errorf("reading role definitions %v: %w", missing, err)
		}
		for _, n := range missing {
			if r, ok := got[n]; ok {
				r := r
				byProject[n] = &r
			} else {
				byProject[n] = nil
			}
		}
	}
	out := map[string]*Role{}
	for _, n := range names {
		out[n] = byProject[n]
	}
	return out, nil
}

// permissionOf compiles the defined roles among names.
func (ev *evaluator) permissionOf(project string, names []string) (*Permission, []string, error) {
	defs, err := ev.lookup(project, names)
	if err != nil {
		return nil, nil, err
	}
	var roles []NamedRole
	var undefined []string
	for _, n := range uniqSorted(names) {
		if r := defs[n]; r != nil {
			roles = append(roles, NamedRole{Name: n, Role: *r})
		} else {
			undefined = append(undefined, n)
		}
	}
	p, err := NewPermission(roles...)
	return p, undefined, err
}

// gained adds what after allows and before did not, for one principal.
func gained(d *Delta, plane string, who Principal, route string, before, after *Permission) {
	had := map[string]bool{}
	if before != nil {
		for _, c := range before.capabilities() {
			had[c.key()] = true
		}
	}
	for _, c := range after.capabilities() {
		if !had[c.key()] {
			d.add(Grant{Plane: plane, Principal: who, Route: route, Capability: c})
		}
	}
	for _, c := range cancelledRestrictions(before, after) {
		d.add(Grant{Plane: plane, Principal: who, Route: route, Capability: c})
	}
}

func (ev *evaluator) role(d *Delta, rc RoleChange) error {
	who := Principal{Kind: "role", Name: rc.Name}
	after, err := NewPermission(NamedRole{Name: rc.Name, Role: rc.New})
	if err != nil {
		return err
	}
	var before *Permission
	if rc.Old != nil {
		if before, err = NewPermission(NamedRole{Name: rc.Name, Role: *rc.Old}); err != nil {
			return err
		}
	}
	gained(d, "elasticsearch", who, "role definition", before, after)
	if rc.Old == nil || !reflect.DeepEqual(*rc.Old, rc.New) {
		d.add(Grant{Plane: "elasticsearch", Principal: who, Route: "role definition",
			Capability: Capability{Kind: KindPrivileges, Detail: privilegeSummary(rc.New)}})
	}
	return nil
}

func privilegeSummary(r Role) string {
	var parts []string
	if len(r.Cluster) > 0 {
		parts = append(parts, "cluster "+strings.Join(r.Cluster, ","))
	}
	for _, ip := range r.Indices {
		s := strings.Join(ip.Privileges, ",") + " on " + strings.Join(ip.Names, ",")
		if ip.Query != "" || ip.FieldSecurity != nil {
			s += " (restricted)"
		}
		parts = append(parts, s)
	}
	for _, ap := range r.Applications {
		parts = append(parts, ap.Application+" "+strings.Join(ap.Privileges, ",")+" on "+strings.Join(ap.Resources, ","))
	}
	if len(r.RunAs) > 0 {
		parts = append(parts, "run_as "+strings.Join(r.RunAs, ","))
	}
	if len(parts) == 0 {
		return "no privileges"
	}
	return strings.Join(parts, "; ")
}

func (ev *evaluator) user(d *Delta, uc UserChange) error {
	who := Principal{Kind: "user", Name: uc.Username}
	var oldNames []string
	if uc.Exists && uc.OldEnabled {
		oldNames = uc.OldRoles
	}
	var newNames []string
	if uc.NewEnabled {
		newNames = uc.NewRoles
	}
	before, _, err := ev.permissionOf(ev.project, oldNames)
	if err != nil {
		return err
	}
	after, undefined, err := ev.permissionOf(ev.project, newNames)
	if err != nil {
		return err
	}
	route := "roles " + strings.Join(uniqSorted(newNames), ", ")
	if uc.Exists && !uc.OldEnabled && uc.NewEnabled {
		route = "enabling the user with roles " + strings.Join(uniqSorted(newNames), ", ")
	}
	gained(d, "elasticsearch", who, route, before, after)
	ev.roleGrants(d, who, "user", setMinus(newNames, oldNames), undefined)
	return nil
}

// roleGrants records each newly assigned role as a plain grant, so that the
// delta (and its digest) names every role a change hands out.
func (ev *evaluator) roleGrants(d *Delta, who Principal, route string, added, undefined []string) {
	undef := map[string]bool{}
	for _, n := range undefined {
		undef[n] = true
	}
	for _, n := range uniqSorted(added) {
		kind := KindRole
		if undef[n] {
			kind = KindUnknownRole
		}
		d.add(Grant{Plane: "elasticsearch", Principal: who, Route: route, Capability: Capability{Kind: kind, Detail: n}})
	}
}

func setMinus(a, b []string) []string {
	in := map[string]bool{}
	for _, s := range b {
		in[s] = true
	}
	var out []string
	for _, s := range a {
		if !in[s] {
			out = append(out, s)
		}
	}
	return out
}

// mappingRoles returns the roles a mapping can produce, and whether a
// template can produce roles that cannot be known statically.
func mappingRoles(m *RoleMapping) ([]string, []string, bool) {
	if m == nil || !m.Enabled {
		return nil, nil, false
	}
	roles := append([]string(nil), m.Roles...)
	var dynamic []string
	for _, t := range m.RoleTemplates {
		src := templateSource(t.Template)
		if strings.Contains(src, "{{") {
			dynamic = append(dynamic, src)
			continue
		}
		if strings.EqualFold(t.Format, "json") {
			var list []string
			if json.Unmarshal([]byte(src), &list) == nil {
				roles = append(roles, list...)
				continue
			}
			var one string
			if json.Unmarshal([]byte(src), &one) == nil {
				roles = append(roles, one)
				continue
			}
			dynamic = append(dynamic, src)
			continue
		}
		roles = append(roles, src)
	}
	return uniqSorted(roles), dynamic, len(dynamic) > 0
}

func templateSource(t any) string {
	switch v := t.(type) {
	case string:
		var obj map[string]any
		if json.Unmarshal([]byte(v), &obj) == nil {
			return templateSource(obj)
		}
		return v
	case map[string]any:
		if s, ok := v["source"].(string); ok {
			return s
		}
		if id, ok := v["id"].(string); ok {
			// A stored script: its text is not known here.
			return "{{stored script " + id + "}}"
		}
	}
	b, _ := json.Marshal(t)
	return "{{" + string(b) + "}}"
}

func (ev *evaluator) mapping(d *Delta, mc MappingChange) error {
	who := Principal{Kind: "role_mapping", Name: mc.Name}
	newRoles, dynamic, anyRole := mappingRoles(&mc.New)
	oldRoles, _, _ := mappingRoles(mc.Old)
	sameSubjects := mc.Old != nil && mc.Old.Enabled && reflect.DeepEqual(mc.Old.Rules, mc.New.Rules)
	if !sameSubjects {
		// Other users are matched now: everything the mapping grants is new
		// to them.
		oldRoles = nil
	}
	if anyRole {
		d.add(Grant{Plane: "elasticsearch", Principal: who, Route: "role template " + strings.Join(dynamic, "; "),
			Capability: Capability{Kind: KindAnyRole, Escalation: true,
				Detail: "a role template whose output depends on the user can produce any role, superuser included"}})
	}
	before, _, err := ev.permissionOf(ev.project, oldRoles)
	if err != nil {
		return err
	}
	after, undefined, err := ev.permissionOf(ev.project, newRoles)
	if err != nil {
		return err
	}
	gained(d, "elasticsearch", who, "roles "+strings.Join(newRoles, ", "), before, after)
	ev.roleGrants(d, who, "role mapping", setMinus(newRoles, oldRoles), undefined)
	return nil
}

func (ev *evaluator) apiKey(d *Delta, kc APIKeyChange) error {
	name := kc.Name
	if name == "" {
		name = kc.ID
	}
	who := Principal{Kind: "api_key", Name: name}
	var owner *Permission
	if kc.OwnerDescriptors != nil {
		var roles []NamedRole
		for _, n := range sortedKeys(kc.OwnerDescriptors) {
			roles = append(roles, NamedRole{Name: n, Role: kc.OwnerDescriptors[n]})
		}
		owner, _ = NewPermission(roles...)
	} else if kc.OwnerRoles != nil {
		var err error
		if owner, _, err = ev.permissionOf(ev.project, kc.OwnerRoles); err != nil {
			return err
		}
	}
	build := func(desc map[string]Role) (*Permission, error) {
		if len(desc) == 0 {
			return owner, nil
		}
		var roles []NamedRole
		for _, n := range sortedKeys(desc) {
			roles = append(roles, NamedRole{Name: n, Role: desc[n]})
		}
		p, err := NewPermission(roles...)
		if err != nil || owner == nil {
			return p, err
		}
		return p.Limit(owner), nil
	}
	after, err := build(kc.NewDescriptors)
	if err != nil {
		return err
	}
	var before *Permission
	if kc.Exists {
		if before, err = build(kc.OldDescriptors); err != nil {
			return err
		}
	}
	if after == nil {
		// No descriptors and an unknown owner: the key holds whatever its
		// creator holds, which the policy cannot see.
		d.add(Grant{Plane: "elasticsearch", Principal: who, Route: "no role descriptors",
			Capability: Capability{Kind: KindInheritsOwner, Detail: "every privilege of the credential that creates it"}})
		return nil
	}
	gained(d, "elasticsearch", who, "role descriptors", before, after)
	for _, n := range sortedKeys(kc.NewDescriptors) {
		if old, ok := kc.OldDescriptors[n]; ok && kc.Exists && reflect.DeepEqual(old, kc.NewDescriptors[n]) {
			continue
		}
		d.add(Grant{Plane: "elasticsearch", Principal: who, Route: "role descriptor " + n,
			Capability: Capability{Kind: KindPrivileges, Detail: privilegeSummary(kc.NewDescriptors[n])}})
	}
	return nil
}
