package tools

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/policy"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// roleTools returns the Elasticsearch and Kibana role tools.
// GetRolesInput selects roles.
type GetRolesInput struct {
	ProjectArg
	Names          []string `json:"names,omitempty" jsonschema:"role names; empty = every role" validate:"omitempty,max=100,dive,esname"`
	Full           bool     `json:"full,omitempty" jsonschema:"complete definitions instead of summaries"`
	IncludeBuiltIn bool     `json:"include_built_in,omitempty" jsonschema:"also list built-in roles"`
	Limit          int      `json:"limit,omitempty" jsonschema:"page size, default 100" validate:"omitempty,min=1,max=1000"`
	Cursor         string   `json:"cursor,omitempty" jsonschema:"next_cursor of the previous page"`
}

// GetRolesOutput is one page of roles.
type GetRolesOutput struct {
	Roles      []RoleView `json:"roles"`
	Missing    []string   `json:"missing,omitempty" jsonschema:"requested names that do not exist"`
	Total      int        `json:"total" jsonschema:"roles matching the request"`
	NextCursor string     `json:"next_cursor,omitempty" jsonschema:"pass as cursor for the next page; absent on the last page"`
}

// RoleView is a role, compact unless full was asked.
type RoleView struct {
	Name        string                `json:"name"`
	Description string                `json:"description,omitempty"`
	BuiltIn     bool                  `json:"built_in,omitempty" jsonschema:"a built-in role: it cannot be changed or deleted"`
	Cluster     []string              `json:"cluster,omitempty"`
	Indices     []RoleIndexView       `json:"indices,omitempty"`
	Kibana      []string              `json:"kibana,omitempty" jsonschema:"Kibana privileges, e.g. dashboard:read in all spaces"`
	Other       []string              `json:"applications,omitempty" jsonschema:"other application privileges as application:privilege@resources"`
	RunAs       []string              `json:"run_as,omitempty"`
	Definition  *esapi.RoleDescriptor `json:"definition,omitempty" jsonschema:"the complete definition (full: true only)"`
}

// RoleIndexView summarizes one index privilege entry.
type RoleIndexView struct {
	Names      []string `json:"names"`
	Privileges []string `json:"privileges"`
	DLS        string   `json:"dls,omitempty" jsonschema:"document-level security: static or templated (by user attributes)"`
	FLS        string   `json:"fls,omitempty" jsonschema:"field-level security in short form"`
	Restricted bool     `json:"allow_restricted_indices,omitempty"`
}

func roleView(name string, d esapi.RoleDescriptor, full bool) RoleView {
	v := RoleView{Name: name, Description: d.Description, BuiltIn: esapi.IsReserved(d.Metadata), Cluster: d.Cluster, RunAs: d.RunAs}
	for _, ip := range d.Indices {
		iv := RoleIndexView{Names: ip.Names, Privileges: ip.Privileges, Restricted: ip.AllowRestrictedIndices}
		if ip.Query != "" {
			iv.DLS = "static"
			if strings.Contains(ip.Query, "template") || strings.Contains(ip.Query, "{{") {
				iv.DLS = "templated"
			}
		}
		if fs := ip.FieldSecurity; fs != nil && !(len(fs.Grant) == 1 && fs.Grant[0] == "*" && len(fs.Except) == 0) {
			iv.FLS = "grant " + strings.Join(fs.Grant, ",")
			if len(fs.Except) > 0 {
				iv.FLS += " except " + strings.Join(fs.Except, ",")
			}
		}
		v.Indices = append(v.Indices, iv)
	}
	v.Kibana = esKibanaSummary(d.Applications)
	for _, a := range d.Applications {
		if a.Application != kibanaApp && a.Application != "*" {
			v.Other = append(v.Other, fmt.Sprintf("%s:%s@%s", a.Application, strings.Join(a.Privileges, ","), strings.Join(a.Resources, ",")))
		}
	}
	if full {
		cp := d
		v.Definition = &cp
	}
	return v
}

func getRolesTool() toolkit.Tool { return toolkit.Define(getRolesSpec, getRoles) }

var getRolesSpec = toolkit.Spec{
	Name:    "get_roles",
	Title:   "Get Elasticsearch roles",
	Toolset: toolkit.ToolsetRoles,
	Tier:    toolkit.Read,
	Description: "List or read Elasticsearch roles (privileges, DLS/FLS, Kibana); full: true for complete definitions. Call " +
		"before put_role to reuse a role.",
}

func getRoles(ctx context.Context, c *toolkit.Call, in GetRolesInput) (GetRolesOutput, error) {
	var out GetRolesOutput
	t, ctx, err := esTarget(ctx, c, in.Project)
	if err != nil {
		return out, err
	}
	roles, err := t.ES.GetEncodedRoles(ctx, in.Names...)
	if err != nil {
		return out, stackFail(t, err)
	}
	var names []string
	for n := range roles {
		if len(in.Names) == 0 && !in.IncludeBuiltIn && roles.Reserved(n) {
			continue
		}
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range in.Names {
		if _, ok := roles[n]; !ok {
			out.Missing = append(out.Missing, n)
		}
	}
	out.Total = len(names)
	page, next, err := pageOf(names, "roles", in.Cursor, in.Limit, 100)
	if err != nil {
		return out, err
	}
	out.NextCursor = next
	out.Roles = make([]RoleView, 0, len(page))
	for _, n := range page {
		d, err := roles.Role(n)
		if err != nil {
			return out, stackFail(t, err)
		}
		out.Roles = append(out.Roles, roleView(n, d, in.Full))
	}
	return out, nil
}

// PutRoleInput is a complete role definition.
type PutRoleInput struct {
	ProjectArg
	Name         string                 `json:"name" jsonschema:"e.g. logs-reader" validate:"required,esname"`
	Description  string                 `json:"description,omitempty" jsonschema:"display name" validate:"max=2048"`
	Cluster      []string               `json:"cluster,omitempty" jsonschema:"e.g. monitor; none for read-only data access" validate:"dive,required"`
	Indices      []RoleIndexInput       `json:"indices,omitempty" validate:"dive"`
	Applications []RoleApplicationInput `json:"applications,omitempty" jsonschema:"raw application privileges; for Kibana use kibana" validate:"dive"`
	Kibana       []KibanaGrantInput     `json:"kibana,omitempty" jsonschema:"Kibana privileges per space" validate:"dive"`
	RunAs        []string               `json:"run_as,omitempty" jsonschema:"users it may impersonate (not Serverless)" validate:"dive,required"`
	Metadata     map[string]any         `json:"metadata,omitempty"`
}

// PutRoleOutput reports the role written.
type PutRoleOutput struct {
	toolkit.WriteReport
	Name    string   `json:"name"`
	Created bool     `json:"created" jsonschema:"true for a new role, false when an existing one was replaced"`
	Via     string   `json:"via" jsonschema:"kibana (Kibana role API) or elasticsearch (security API)"`
	Changes []string `json:"changes,omitempty" jsonschema:"for a replaced role: what changed, old -> new"`
	Role    RoleView `json:"role" jsonschema:"the role as written"`
}

func putRoleTool() toolkit.Tool { return toolkit.Define(putRoleSpec, putRole) }

var putRoleSpec = toolkit.Spec{
	Name:       "put_role",
	Title:      "Create or replace a role",
	Toolset:    toolkit.ToolsetRoles,
	Tier:       toolkit.Write,
	Idempotent: true,
	Description: "Create or replace a role: cluster and index privileges, DLS (templated by user metadata), FLS, Kibana features " +
		"per space. Replacing or escalating needs approval. Call get_roles and list_kibana_spaces first.",
}

func putRole(ctx context.Context, c *toolkit.Call, in PutRoleInput) (PutRoleOutput, error) {
	out := PutRoleOutput{Name: in.Name}
	if err := esCheckMetadata("metadata", in.Metadata); err != nil {
		return out, err
	}
	kib, err := esCheckKibana(in.Kibana)
	if err != nil {
		return out, err
	}
	t, ctx, err := esTarget(ctx, c, in.Project)
	if err != nil {
		return out, err
	}
	c.Target("role:" + in.Name)
	if err := checkRoleRules(ctx, t, in, out.Warn); err != nil {
		return out, err
	}
	role, warnings, err := buildRoleDescriptor(ctx, t, in)
	if err != nil {
		return out, err
	}
	out.Warnings = append(out.Warnings, warnings...)
	existing, err := t.ES.GetRoles(ctx, in.Name)
	if err != nil {
		return out, stackFail(t, err)
	}
	old, exists := existing[in.Name]
	if exists && esapi.IsReserved(old.Metadata) {
		return out, toolkit.Refused("choose another name, or create a custom role based on it (get_roles with full: true shows its definition)",
			"%s is a built-in role; built-in roles are never modified.", in.Name)
	}
	plan := planRole(t, in, role, kib, old, exists, &out)
	if exists && len(out.Changes) == 0 {
		out.Warn("the role already has exactly this definition; nothing was changed")
		out.Role = roleView(in.Name, plan.final, false)
		out.Via = "none"
		return out, nil
	}
	if err := confirmRole(ctx, c, t, in.Name, old, plan, &out); err != nil {
		return out, err
	}
	if out.Via, err = writeRole(ctx, t, in, plan); err != nil {
		return out, err
	}
	out.Created = !exists
	out.Role = roleView(in.Name, plan.final, false)
	return out, nil
}

// buildRoleDescriptor checks the requested privileges against the target
// (names the cluster does not know are refused before anything is sent)
// and builds the role's Elasticsearch form, without the Kibana grants.
func buildRoleDescriptor(ctx context.Context, t *toolkit.StackTarget, in PutRoleInput) (esapi.RoleDescriptor, []string, error) {
	serverless := t.Flavor(ctx) == esapi.FlavorServerless
	if serverless && !serverlessRoleName.MatchString(in.Name) {
		return esapi.RoleDescriptor{}, nil, toolkit.InvalidArgs("on Serverless a role name starts with a letter or digit and has only letters, digits, _, - and .; %q does not", in.Name)
	}
	if serverless && len(in.RunAs) > 0 {
		return esapi.RoleDescriptor{}, nil, toolkit.InvalidArgs("run_as is not available on Serverless")
	}
	pc := newPrivilegeCheck(ctx, t)
	role := esapi.RoleDescriptor{
		Description: in.Description,
		Cluster:     pc.cluster("cluster", in.Cluster),
		RunAs:       nonNil(in.RunAs),
		Metadata:    in.Metadata,
	}
	idx, warnings, err := esIndexEntries(pc, in.Name, in.Indices)
	if err != nil {
		return role, nil, err
	}
	role.Indices = idx
	for _, a := range in.Applications {
		role.Applications = append(role.Applications, esapi.ApplicationPrivileges{Application: a.Application, Privileges: a.Privileges, Resources: a.Resources})
	}
	if err := pc.err(); err != nil {
		return role, nil, err
	}
	return role, append(append([]string{}, pc.warnings...), warnings...), nil
}

// rolePlan is how put_role writes a role: role is what is sent, final is
// the role as it will read afterwards (with the Kibana grants in their
// Elasticsearch form).
type rolePlan struct {
	role, final esapi.RoleDescriptor
	kib         []esapi.KibanaPrivileges
	useKibana   bool
	exists      bool
}

// planRole decides the API (Kibana privileges go through Kibana when it is
// known, since it validates feature names; else in their Elasticsearch
// form) and, for an existing role, records what changes.
func planRole(t *toolkit.StackTarget, in PutRoleInput, role esapi.RoleDescriptor, kib []esapi.KibanaPrivileges, old esapi.RoleDescriptor, exists bool, out *PutRoleOutput) rolePlan {
	useKibana := len(kib) > 0 && t.Kibana != nil && len(in.Applications) == 0
	if len(kib) > 0 && !useKibana {
		role.Applications = append(role.Applications, esKibanaApplications(kib)...)
		if t.Kibana == nil {
			out.Warn("Kibana is not configured (KIBANA_URL), so the Kibana privileges were written in their Elasticsearch form (application kibana-.kibana); feature names were not checked by Kibana")
		} else {
			out.Warn("raw applications were given too, so the Kibana privileges were written in their Elasticsearch form through the security API")
		}
	}
	if exists && useKibana {
		// Kibana keeps the role's privileges for other applications.
		for _, a := range old.Applications {
			if a.Application != kibanaApp {
				role.Applications = append(role.Applications, a)
			}
		}
	}
	final := role
	if useKibana {
		final.Applications = append(append([]esapi.ApplicationPrivileges{}, role.Applications...), esKibanaApplications(kib)...)
	}
	if exists {
		out.Changes = esRoleDiff(old, final)
	}
	return rolePlan{role: role, final: final, kib: kib, useKibana: useKibana, exists: exists}
}

// confirmRole asks the access policy what the role grants, and the
// person to approve replacing a role or any escalation.
func confirmRole(ctx context.Context, c *toolkit.Call, t *toolkit.StackTarget, name string, old esapi.RoleDescriptor, plan rolePlan, out *PutRoleOutput) error {
	change := policy.RoleChange{Name: name}
	var err error
	if change.New, err = policyRole(plan.final); err != nil {
		return toolkit.InvalidArgs("the role cannot be judged (%v)", err)
	}
	ask := approval{target: "role:" + name, where: t.Label()}
	if plan.exists {
		before, err := policyRole(old)
		if err != nil {
			return toolkit.InvalidArgs("the current role cannot be judged (%v)", err)
		}
		change.Old = &before
		ask.reasons = append(ask.reasons, fmt.Sprintf("replace the existing role %s (%s)", name, strings.Join(out.Changes, "; ")))
	}
	delta, err := judgeStack(ctx, t, policy.Change{Roles: []policy.RoleChange{change}})
	if err != nil {
		return err
	}
	if delta.Escalates() {
		out.Warn("this role grants superuser-like power: %s", escalationWords(delta))
	}
	return approve(ctx, c, &out.WriteReport, delta, ask)
}

// writeRole sends the role through the API the plan chose and says which.
func writeRole(ctx context.Context, t *toolkit.StackTarget, in PutRoleInput, plan rolePlan) (via string, err error) {
	role := plan.role
	if plan.useKibana {
		kr := esapi.KibanaRole{
			Description: in.Description,
			Metadata:    in.Metadata,
			Elasticsearch: esapi.KibanaESPart{
				Cluster: role.Cluster, Indices: role.Indices, RunAs: role.RunAs,
			},
			Kibana: plan.kib,
		}
		if err := t.Kibana.PutRole(ctx, in.Name, kr); err != nil {
			return "kibana", stackFail(t, err)
		}
		return "kibana", nil
	}
	if _, err := t.ES.PutRole(ctx, in.Name, role); err != nil {
		return "elasticsearch", stackFail(t, err)
	}
	return "elasticsearch", nil
}

// DeleteRolesInput names roles to delete.
type DeleteRolesInput struct {
	ProjectArg
	Names []string `json:"names" validate:"required,min=1,max=50,dive,esname"`
}

// DeleteRolesOutput reports the deletion.
type DeleteRolesOutput struct {
	toolkit.WriteReport
	Deleted  []string `json:"deleted"`
	NotFound []string `json:"not_found,omitempty"`
	// StillAssigned lists users that still name a deleted role.
	StillAssigned []string `json:"users_still_naming_them,omitempty" jsonschema:"users whose role list still names a deleted role (the name is kept and grants nothing)"`
}

func deleteRolesTool() toolkit.Tool { return toolkit.Define(deleteRolesSpec, deleteRoles) }

var deleteRolesSpec = toolkit.Spec{
	Name:    "delete_roles",
	Title:   "Delete roles",
	Toolset: toolkit.ToolsetRoles,
	Tier:    toolkit.Destructive,
	Description: "Delete custom roles, after approval; holders lose the access. Check holders first with get_users and " +
		"get_role_mappings.",
}

func deleteRoles(ctx context.Context, c *toolkit.Call, in DeleteRolesInput) (DeleteRolesOutput, error) {
	out := DeleteRolesOutput{Deleted: []string{}}
	t, ctx, err := esTarget(ctx, c, in.Project)
	if err != nil {
		return out, err
	}
	names := sortedUnique(in.Names)
	roles, err := t.ES.GetRoles(ctx, names...)
	if err != nil {
		return out, stackFail(t, err)
	}
	var todo []string
	for _, n := range names {
		d, ok := roles[n]
		switch {
		case !ok:
			out.NotFound = append(out.NotFound, n)
		case esapi.IsReserved(d.Metadata):
			return out, toolkit.Refused("leave built-in roles in place; remove them from users instead (update_user remove_roles)", "%s is a built-in role and cannot be deleted.", n)
		default:
			todo = append(todo, n)
		}
	}
	if len(todo) == 0 {
		return out, nil
	}
	if t.Flavor(ctx) != esapi.FlavorServerless {
		if users, err := t.ES.GetUsers(ctx); err == nil {
			for _, un := range esapi.SortedKeys(users) {
				for _, r := range users[un].Roles {
					if slices.Contains(todo, r) {
						out.StillAssigned = append(out.StillAssigned, un+" ("+r+")")
					}
				}
			}
		}
	}
	msg := fmt.Sprintf("Delete role(s) %s on %s", strings.Join(todo, ", "), t.Label())
	if len(out.StillAssigned) > 0 {
		msg += "; still used by " + strings.Join(out.StillAssigned, ", ")
	}
	deleted, notFound, err := deleteNames(ctx, c, t, "role", todo, msg+". This cannot be undone.", t.ES.DeleteRole)
	out.Deleted, out.NotFound = deleted, append(out.NotFound, notFound...)
	if err != nil {
		return out, err
	}
	if len(out.StillAssigned) > 0 {
		out.Warn("users still name the deleted roles; the names grant nothing now. Remove them with update_user remove_roles if they will not be recreated")
	}
	return out, nil
}
