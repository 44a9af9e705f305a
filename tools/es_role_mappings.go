package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/policy"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// roleMappingTools returns the role mapping tools.
// RoleMappingView is a role mapping.
type RoleMappingView struct {
	Name          string         `json:"name"`
	Enabled       bool           `json:"enabled"`
	Roles         []string       `json:"roles,omitempty"`
	RoleTemplates []string       `json:"role_templates,omitempty" jsonschema:"templates as format:source"`
	Rules         map[string]any `json:"rules"`
	Metadata      map[string]any `json:"metadata,omitempty"`
	ReadOnly      bool           `json:"read_only,omitempty" jsonschema:"defined in the cluster's configuration files; cannot be changed through the API"`
}

func roleMappingView(name string, m esapi.RoleMapping) RoleMappingView {
	v := RoleMappingView{Name: name, Enabled: m.Enabled, Roles: m.Roles, Rules: m.Rules}
	for _, t := range m.RoleTemplates {
		src := t.Template
		if s, ok := src.(string); ok {
			var obj map[string]any
			if json.Unmarshal([]byte(s), &obj) == nil {
				if so, ok := obj["source"]; ok {
					src = so
				}
			}
		} else if obj, ok := src.(map[string]any); ok {
			if so, ok := obj["source"]; ok {
				src = so
			}
		}
		format := t.Format
		if format == "" {
			format = "string"
		}
		v.RoleTemplates = append(v.RoleTemplates, fmt.Sprintf("%s:%v", format, src))
	}
	if ro, _ := m.Metadata["_read_only"].(bool); ro {
		v.ReadOnly = true
	}
	if md := stripReserved(m.Metadata); len(md) > 0 {
		v.Metadata = md
	}
	return v
}

// GetRoleMappingsInput selects mappings.
type GetRoleMappingsInput struct {
	ProjectArg
	Names []string `json:"names,omitempty" jsonschema:"mapping names; empty = every mapping" validate:"omitempty,max=100,dive,esname"`
	Role  string   `json:"role,omitempty" jsonschema:"only mappings granting this role"`
}

// GetRoleMappingsOutput lists mappings.
type GetRoleMappingsOutput struct {
	RoleMappings []RoleMappingView `json:"role_mappings"`
	Missing      []string          `json:"missing,omitempty"`
}

func getRoleMappingsTool() toolkit.Tool { return toolkit.Define(getRoleMappingsSpec, getRoleMappings) }

var getRoleMappingsSpec = toolkit.Spec{
	Name:    "get_role_mappings",
	Title:   "Get role mappings",
	Toolset: toolkit.ToolsetRoleMappings,
	Tier:    toolkit.Read,
	Description: "List or read role mappings (roles for SAML, LDAP, AD, PKI, OIDC, JWT users by rules). Call before " +
		"put_role_mapping. Not on Serverless.",
}

func getRoleMappings(ctx context.Context, c *toolkit.Call, in GetRoleMappingsInput) (GetRoleMappingsOutput, error) {
	var out GetRoleMappingsOutput
	t, ctx, err := esTarget(ctx, c, in.Project)
	if err != nil {
		return out, err
	}
	if err := requireStack(ctx, t, "Role mappings"); err != nil {
		return out, err
	}
	maps, err := t.ES.GetRoleMappings(ctx, in.Names...)
	if err != nil {
		return out, stackFail(t, err)
	}
	out.RoleMappings = []RoleMappingView{}
	for _, n := range esapi.SortedKeys(maps) {
		m := maps[n]
		if in.Role != "" && !slices.Contains(m.Roles, in.Role) {
			continue
		}
		out.RoleMappings = append(out.RoleMappings, roleMappingView(n, m))
	}
	for _, n := range in.Names {
		if _, ok := maps[n]; !ok {
			out.Missing = append(out.Missing, n)
		}
	}
	return out, nil
}

// RoleTemplateInput is one role template.
type RoleTemplateInput struct {
	Template any    `json:"template" jsonschema:"mustache, e.g. {\"source\":\"{{#tojson}}groups{{/tojson}}\"}" validate:"required"`
	Format   string `json:"format,omitempty" jsonschema:"string (one role) or json (array); default string" validate:"omitempty,oneof=string json"`
}

// PutRoleMappingInput is a complete role mapping.
type PutRoleMappingInput struct {
	ProjectArg
	Name          string              `json:"name" jsonschema:"mapping name, e.g. saml-log-readers" validate:"required,esname"`
	Roles         []string            `json:"roles,omitempty" jsonschema:"roles to grant (use this or role_templates)" validate:"omitempty,max=100,dive,esname"`
	RoleTemplates []RoleTemplateInput `json:"role_templates,omitempty" jsonschema:"role names from user attributes" validate:"omitempty,max=20,dive"`
	Rules         map[string]any      `json:"rules" jsonschema:"any or all (rule arrays), field ({\"groups\":\"admins\"}) or except; fields username, dn, groups, realm.name, metadata.*" validate:"required"`
	Enabled       bool                `json:"enabled,omitempty" jsonschema:"default false: stored, not applied"`
	Metadata      map[string]any      `json:"metadata,omitempty"`
}

// PutRoleMappingOutput reports the mapping written.
type PutRoleMappingOutput struct {
	toolkit.WriteReport
	RoleMapping RoleMappingView `json:"role_mapping"`
	Created     bool            `json:"created"`
	Changes     []string        `json:"changes,omitempty" jsonschema:"for a replaced mapping: what changed"`
}

func putRoleMappingTool() toolkit.Tool { return toolkit.Define(putRoleMappingSpec, putRoleMapping) }

var putRoleMappingSpec = toolkit.Spec{
	Name:       "put_role_mapping",
	Title:      "Create or replace a role mapping",
	Toolset:    toolkit.ToolsetRoleMappings,
	Tier:       toolkit.Write,
	Idempotent: true,
	Description: "Create or replace a role mapping giving external-realm users roles by rules. New mappings start disabled " +
		"unless enabled. Replacing or escalating needs approval. Not on Serverless.",
}

func putRoleMapping(ctx context.Context, c *toolkit.Call, in PutRoleMappingInput) (PutRoleMappingOutput, error) {
	var out PutRoleMappingOutput
	if err := checkMappingRuleFields(in.Rules); err != nil {
		return out, err
	}
	m, err := buildRoleMapping(in)
	if err != nil {
		return out, err
	}
	t, ctx, err := esTarget(ctx, c, in.Project)
	if err != nil {
		return out, err
	}
	c.Target("role_mapping:" + in.Name)
	if err := requireStack(ctx, t, "Role mappings"); err != nil {
		return out, err
	}
	existing, err := t.ES.GetRoleMappings(ctx, in.Name)
	if err != nil {
		return out, stackFail(t, err)
	}
	old, exists := existing[in.Name]
	if exists {
		if ro, _ := old.Metadata["_read_only"].(bool); ro {
			return out, toolkit.Refused("change it in the cluster's configuration, or create a mapping with another name",
				"Role mapping %s is read-only (defined in the cluster's configuration).", in.Name)
		}
		out.Changes = esMappingDiff(old, m)
	}
	if err := checkMappedRoles(ctx, t, m, &out); err != nil {
		return out, err
	}
	ask := approval{target: "role_mapping:" + in.Name, where: t.Label()}
	if exists {
		if len(out.Changes) == 0 {
			out.Warn("the mapping already has exactly this definition; nothing was changed")
			out.RoleMapping = roleMappingView(in.Name, m)
			return out, nil
		}
		ask.reasons = append(ask.reasons, "replace the existing mapping "+in.Name+" ("+strings.Join(out.Changes, "; ")+")")
	}
	change := policy.MappingChange{Name: in.Name, New: policyMapping(m)}
	if exists {
		before := policyMapping(old)
		change.Old = &before
	}
	delta, err := judgeStack(ctx, t, policy.Change{Mappings: []policy.MappingChange{change}})
	if err != nil {
		return out, err
	}
	if delta.Escalates() {
		ask.notes = append(ask.notes, "The mapping's rules: "+compactJSON(in.Rules))
		out.Warn("this mapping grants superuser-like power: %s", escalationWords(delta))
	}
	if err := approve(ctx, c, &out.WriteReport, delta, ask); err != nil {
		return out, err
	}
	if !in.Enabled && !exists {
		out.Warn("the mapping is stored disabled; check it with get_role_mappings, then call put_role_mapping again with enabled: true")
	}
	if _, err := t.ES.PutRoleMapping(ctx, in.Name, m); err != nil {
		return out, stackFail(t, err)
	}
	out.Created = !exists
	out.RoleMapping = roleMappingView(in.Name, m)
	return out, nil
}

// buildRoleMapping checks the request and builds the mapping to write.
func buildRoleMapping(in PutRoleMappingInput) (esapi.RoleMapping, error) {
	if (len(in.Roles) == 0) == (len(in.RoleTemplates) == 0) {
		return esapi.RoleMapping{}, toolkit.InvalidArgs("give exactly one of roles and role_templates")
	}
	if err := esCheckRule(in.Rules, "rules", false); err != nil {
		return esapi.RoleMapping{}, toolkit.InvalidArgs("%v", err)
	}
	if err := esCheckMetadata("metadata", in.Metadata); err != nil {
		return esapi.RoleMapping{}, err
	}
	m := esapi.RoleMapping{Enabled: in.Enabled, Roles: sortedUnique(in.Roles), Rules: in.Rules, Metadata: in.Metadata}
	if len(m.Roles) == 0 {
		m.Roles = nil
	}
	for i, rt := range in.RoleTemplates {
		switch v := rt.Template.(type) {
		case string:
			m.RoleTemplates = append(m.RoleTemplates, esapi.RoleTemplate{Template: map[string]any{"source": v}, Format: rt.Format})
		case map[string]any:
			if _, ok := v["source"].(string); !ok {
				return esapi.RoleMapping{}, toolkit.InvalidArgs("role_templates[%d].template needs a string source, e.g. {\"source\":\"{{#tojson}}groups{{/tojson}}\"}", i)
			}
			m.RoleTemplates = append(m.RoleTemplates, esapi.RoleTemplate{Template: v, Format: rt.Format})
		default:
			return esapi.RoleMapping{}, toolkit.InvalidArgs("role_templates[%d].template must be an object with source or a string", i)
		}
	}
	return m, nil
}

// checkMappedRoles warns about mapped roles that do not exist yet. What
// the mapped roles grant is the access policy's to judge.
func checkMappedRoles(ctx context.Context, t *toolkit.StackTarget, m esapi.RoleMapping, out *PutRoleMappingOutput) error {
	if len(m.Roles) == 0 {
		return nil
	}
	roles, err := t.ES.GetRoles(ctx, m.Roles...)
	if err != nil {
		return stackFail(t, err)
	}
	var missing []string
	for _, r := range m.Roles {
		if _, ok := roles[r]; !ok {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		out.Warn("role(s) %s do not exist yet; the mapping grants nothing for them until they are created (put_role)", strings.Join(missing, ", "))
	}
	return nil
}

// policyMapping converts a role mapping through the JSON form both sides
// share with Elasticsearch.
func policyMapping(m esapi.RoleMapping) policy.RoleMapping {
	var pm policy.RoleMapping
	b, _ := json.Marshal(m)
	_ = json.Unmarshal(b, &pm)
	return pm
}

// esCheckRule validates the role-mapping rule DSL the way Elasticsearch's
// ExpressionParser does, so mistakes come back before any call with the
// path of the bad part.
func esCheckRule(r any, path string, inAll bool) error {
	obj, ok := r.(map[string]any)
	if !ok {
		return fmt.Errorf("%s must be an object with one of any, all, field, except", path)
	}
	if len(obj) != 1 {
		keys := esapi.SortedKeys(obj)
		if len(keys) == 0 {
			return fmt.Errorf("%s is empty; it needs one of any, all, field, except", path)
		}
		return fmt.Errorf("%s has several keys (%s); a rule has exactly one of any, all, field, except; combine rules with all or any", path, strings.Join(keys, ", "))
	}
	for k, v := range obj {
		p := path + "." + k
		switch k {
		case "any", "all":
			list, ok := v.([]any)
			if !ok {
				return fmt.Errorf("%s must be an array of rules", p)
			}
			if len(list) == 0 {
				return fmt.Errorf("%s is empty", p)
			}
			for i, child := range list {
				if err := esCheckRule(child, fmt.Sprintf("%s[%d]", p, i), k == "all"); err != nil {
					return err
				}
			}
		case "except":
			if !inAll {
				return fmt.Errorf("%s: except is allowed only directly inside an all array", p)
			}
			if err := esCheckRule(v, p, false); err != nil {
				return err
			}
		case "field":
			f, ok := v.(map[string]any)
			if !ok || len(f) != 1 {
				return fmt.Errorf("%s must be an object with exactly one field name, e.g. {\"groups\":\"admins\"}", p)
			}
			for name, val := range f {
				if strings.TrimSpace(name) == "" {
					return fmt.Errorf("%s has an empty field name", p)
				}
				if err := esCheckRuleValue(val, p+"."+name, true); err != nil {
					return err
				}
			}
		default:
			return fmt.Errorf("%s: %q is not a rule; use any, all, field or except", path, k)
		}
	}
	return nil
}

func esCheckRuleValue(v any, path string, allowArray bool) error {
	switch x := v.(type) {
	case nil, string, bool, float64, json.Number:
		return nil
	case []any:
		if !allowArray {
			return fmt.Errorf("%s: nested arrays are not allowed", path)
		}
		if len(x) == 0 {
			return fmt.Errorf("%s: an empty array matches nothing", path)
		}
		for i, e := range x {
			if err := esCheckRuleValue(e, fmt.Sprintf("%s[%d]", path, i), false); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("%s: a field value is a string, number, boolean, null or an array of them", path)
}

func esMappingDiff(old, new esapi.RoleMapping) []string {
	var out []string
	add := func(field string, a, b any) {
		if compactJSON(a) != compactJSON(b) {
			out = append(out, fmt.Sprintf("%s: %s -> %s", field, compactJSON(a), compactJSON(b)))
		}
	}
	add("enabled", old.Enabled, new.Enabled)
	oldRoles := append([]string{}, old.Roles...)
	sort.Strings(oldRoles)
	add("roles", oldRoles, new.Roles)
	add("role_templates", roleMappingView("", old).RoleTemplates, roleMappingView("", new).RoleTemplates)
	add("rules", esNormalizeRules(old.Rules), esNormalizeRules(new.Rules))
	add("metadata", stripReserved(old.Metadata), stripReserved(new.Metadata))
	return out
}

// esNormalizeRules renders single-value arrays as scalars, as Elasticsearch
// does when it returns a mapping, so an unchanged rule is not reported.
func esNormalizeRules(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, c := range x {
			out[k] = esNormalizeRules(c)
		}
		return out
	case []any:
		if len(x) == 1 {
			if _, isObj := x[0].(map[string]any); !isObj {
				return x[0]
			}
		}
		out := make([]any, len(x))
		for i, c := range x {
			out[i] = esNormalizeRules(c)
		}
		return out
	}
	return v
}

// DeleteRoleMappingsInput names mappings to delete.
type DeleteRoleMappingsInput struct {
	ProjectArg
	Names []string `json:"names" validate:"required,min=1,max=50,dive,esname"`
}

// DeleteRoleMappingsOutput reports the deletion.
type DeleteRoleMappingsOutput struct {
	toolkit.WriteReport
	Deleted  []string `json:"deleted"`
	NotFound []string `json:"not_found,omitempty"`
}

func deleteRoleMappingsTool() toolkit.Tool {
	return toolkit.Define(deleteRoleMappingsSpec, deleteRoleMappings)
}

var deleteRoleMappingsSpec = toolkit.Spec{
	Name:        "delete_role_mappings",
	Title:       "Delete role mappings",
	Toolset:     toolkit.ToolsetRoleMappings,
	Tier:        toolkit.Destructive,
	Description: "Delete role mappings, after approval. To pause one, put_role_mapping with enabled: false.",
}

func deleteRoleMappings(ctx context.Context, c *toolkit.Call, in DeleteRoleMappingsInput) (DeleteRoleMappingsOutput, error) {
	out := DeleteRoleMappingsOutput{Deleted: []string{}}
	t, ctx, err := esTarget(ctx, c, in.Project)
	if err != nil {
		return out, err
	}
	if err := requireStack(ctx, t, "Role mappings"); err != nil {
		return out, err
	}
	names := sortedUnique(in.Names)
	maps, err := t.ES.GetRoleMappings(ctx, names...)
	if err != nil {
		return out, stackFail(t, err)
	}
	var todo, desc []string
	for _, n := range names {
		m, ok := maps[n]
		if !ok {
			out.NotFound = append(out.NotFound, n)
			continue
		}
		if ro, _ := m.Metadata["_read_only"].(bool); ro {
			return out, toolkit.Refused("change it in the cluster's configuration", "Role mapping %s is read-only (defined in the cluster's configuration).", n)
		}
		todo = append(todo, n)
		desc = append(desc, fmt.Sprintf("%s (grants %s)", n, orNone(strings.Join(append(append([]string{}, m.Roles...), roleMappingView(n, m).RoleTemplates...), ", "))))
	}
	if len(todo) == 0 {
		return out, nil
	}
	msg := fmt.Sprintf("Delete role mapping(s) %s on %s? Users matched by them lose those roles at their next login.", strings.Join(desc, "; "), t.Label())
	deleted, notFound, err := deleteNames(ctx, c, t, "role_mapping", todo, msg, t.ES.DeleteRoleMapping)
	out.Deleted, out.NotFound = deleted, append(out.NotFound, notFound...)
	if err != nil {
		return out, err
	}
	return out, nil
}
