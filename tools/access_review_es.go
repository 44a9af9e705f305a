package tools

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/policy"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// esAdminRoles are built-in roles that administer the cluster or security.
var esAdminRoles = map[string]string{
	"superuser":              "high",
	"kibana_admin":           "medium",
	"kibana_system":          "high",
	"machine_learning_admin": "medium",
	"transform_admin":        "medium",
	"watcher_admin":          "medium",
	"ingest_admin":           "medium",
	"logstash_admin":         "medium",
	"rollup_admin":           "medium",
	"snapshot_user":          "medium",
	"editor":                 "low",
}

// stackReview is the review of one cluster or project.
type stackReview struct {
	t     *toolkit.StackTarget
	scope string // for ids: the project id, or "cluster"
	label string
	out   *AccessReviewOutput
	roles map[string]esapi.RoleDescriptor
	// powerful roles (built-in admin or superuser-like), by severity
	powerful map[string]string
}

func (r *stackReview) add(family, principal, severity, issue, evidence, fix string, c *ToolCall) {
	f := finding("elasticsearch", family, r.scope, principal, severity, issue, evidence, fix, c)
	f.Target = r.label
	if c != nil && r.t.Project != nil {
		c.Arguments["project"] = r.t.Project.ID
	}
	r.out.Findings = append(r.out.Findings, f)
}

func (r *stackReview) reviewed(format string, a ...any) {
	r.out.Reviewed = append(r.out.Reviewed, r.label+": "+fmt.Sprintf(format, a...))
}

// reviewStack reviews one Elasticsearch cluster or project.
func reviewStack(ctx context.Context, t *toolkit.StackTarget, longLived time.Duration, out *AccessReviewOutput) {
	r := &stackReview{t: t, scope: "cluster", label: t.Label(), out: out, powerful: map[string]string{}}
	if t.Project != nil {
		r.scope = t.Project.ID
	}
	roles, err := t.ES.GetRoles(ctx)
	if err != nil {
		r.reviewed("roles not readable (%s)", toolkit.Describe(stackFail(t, err)).Error())
		return
	}
	r.roles = roles
	r.reviewRoles()
	if t.Flavor(ctx) != esapi.FlavorServerless {
		r.reviewUsers(ctx)
		r.reviewRoleMappings(ctx)
	} else {
		r.reviewed("users and role mappings: not on Serverless (review organization members with the cloud plane)")
	}
	r.reviewAPIKeys(ctx, longLived)
}

// reviewRoles reports custom roles with superuser-like power, impersonation,
// restricted indices or internal action names, Serverless predefined roles
// as information, and records the powerful roles.
func (r *stackReview) reviewRoles() {
	r.reviewed("%d roles", len(r.roles))
	serverless := r.t.Project != nil
	for _, name := range esapi.SortedKeys(r.roles) {
		d := r.roles[name]
		esc := esEscalations(d)
		reserved := esapi.IsReserved(d.Metadata)
		if sev, ok := esAdminRoles[name]; ok && reserved {
			r.powerful[name] = sev
		}
		if len(esc) > 0 {
			r.powerful[name] = "high"
		}
		if reserved {
			if serverless {
				r.add("es.role.predefined", "role:"+name, "info", "predefined Serverless role: it cannot be narrowed or changed",
					roleEvidence(d), "to grant less, create a custom role (put_role) and assign it instead of this one", nil)
			}
			continue
		}
		if len(esc) > 0 {
			r.add("es.role.superuser_like", "role:"+name, "high", "grants superuser-like power: "+strings.Join(esc, ", "), roleEvidence(d),
				"narrow it to the privileges actually needed", call("put_role", roleArgs(name, d)))
		}
		if len(d.RunAs) > 0 && !slices.Contains(d.RunAs, "*") {
			fixed := roleArgs(name, d)
			delete(fixed, "run_as")
			r.add("es.role.run_as", "role:"+name, "medium", "may act as other users (run_as "+strings.Join(d.RunAs, ", ")+")", "run_as: "+strings.Join(d.RunAs, ", "),
				"remove run_as unless impersonation is required", call("put_role", fixed))
		}
		for _, ip := range d.Indices {
			if ip.AllowRestrictedIndices {
				r.add("es.role.restricted_indices", "role:"+name, "medium", "reaches restricted system indices ("+strings.Join(ip.Names, ", ")+")",
					"allow_restricted_indices: true on "+strings.Join(ip.Names, ", "), "remove allow_restricted_indices", nil)
			}
		}
		if actions := roleInternalActions(d); len(actions) > 0 {
			r.add("es.role.internal_actions", "role:"+name, "low", "uses internal action names instead of named privileges: "+strings.Join(actions, "; "),
				roleEvidence(d), "replace them with the named privileges (the fix call does)", call("put_role", roleArgsNamed(name, d)))
		}
	}
}

func roleEvidence(d esapi.RoleDescriptor) string {
	return compactJSON(map[string]any{"cluster": d.Cluster, "indices": d.Indices, "run_as": d.RunAs})
}

// roleArgs is put_role's arguments for a role's current definition.
func roleArgs(name string, d esapi.RoleDescriptor) map[string]any {
	args := map[string]any{"name": name}
	if d.Description != "" {
		args["description"] = d.Description
	}
	if len(d.Cluster) > 0 {
		args["cluster"] = d.Cluster
	}
	var indices []any
	for _, ip := range d.Indices {
		e := map[string]any{"names": []string(ip.Names), "privileges": ip.Privileges}
		if ip.Query != "" {
			e["query"] = ip.Query
		}
		if ip.FieldSecurity != nil {
			e["field_security"] = map[string]any{"grant": ip.FieldSecurity.Grant, "except": ip.FieldSecurity.Except}
		}
		if ip.AllowRestrictedIndices {
			e["allow_restricted_indices"] = true
		}
		indices = append(indices, e)
	}
	if len(indices) > 0 {
		args["indices"] = indices
	}
	var apps []any
	for _, a := range d.Applications {
		apps = append(apps, map[string]any{"application": a.Application, "privileges": a.Privileges, "resources": a.Resources})
	}
	if len(apps) > 0 {
		args["applications"] = apps
	}
	if len(d.RunAs) > 0 {
		args["run_as"] = d.RunAs
	}
	return args
}

// roleArgsNamed is roleArgs with internal action names replaced by the
// named privileges that cover them.
func roleArgsNamed(name string, d esapi.RoleDescriptor) map[string]any {
	fixed := d
	fixed.Cluster = replaceActions(d.Cluster, clusterPrivilegeCover)
	fixed.Indices = slices.Clone(d.Indices)
	for i := range fixed.Indices {
		fixed.Indices[i].Privileges = replaceActions(d.Indices[i].Privileges, indexPrivilegeCover)
	}
	return roleArgs(name, fixed)
}

func replaceActions(privs []string, cover func(string) string) []string {
	var out []string
	for _, p := range privs {
		if isInternalAction(p) {
			if named := cover(p); named != "" {
				p = named
			}
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

func roleInternalActions(d esapi.RoleDescriptor) []string {
	out := internalActions("cluster", d.Cluster, clusterPrivilegeCover)
	for i, ip := range d.Indices {
		out = append(out, internalActions(fmt.Sprintf("indices[%d]", i), ip.Privileges, indexPrivilegeCover)...)
	}
	return out
}

// permissionOf compiles the given roles' definitions (unknown roles are
// left out: they grant nothing).
func (r *stackReview) permissionOf(names []string) *policy.Permission {
	var named []policy.NamedRole
	for _, n := range names {
		d, ok := r.roles[n]
		if !ok {
			continue
		}
		role, err := toPolicyRole(d)
		if err != nil {
			continue
		}
		named = append(named, policy.NamedRole{Name: n, Role: role})
	}
	p, _ := policy.NewPermission(named...)
	return p
}

// cancelledRestrictions finds, for a set of roles held together, the
// document- or field-level restrictions one role sets and another lifts.
func (r *stackReview) cancelledRestrictions(roles []string) []string {
	// Only a restricted role can have its restriction cancelled; most
	// principals hold none, and compiling their roles is the costly part.
	restricted := slices.ContainsFunc(roles, func(n string) bool {
		return slices.ContainsFunc(r.roles[n].Indices, func(ip esapi.IndexPrivileges) bool { return ip.Query != "" || ip.FieldSecurity != nil })
	})
	if !restricted {
		return nil
	}
	perm := r.permissionOf(roles)
	var out []string
	for _, n := range roles {
		d, ok := r.roles[n]
		if !ok {
			continue
		}
		for _, ip := range d.Indices {
			if ip.Query == "" && ip.FieldSecurity == nil {
				continue
			}
			for _, name := range ip.Names {
				for _, priv := range ip.Privileges {
					a, err := perm.Index(name, priv, ip.AllowRestrictedIndices)
					if err != nil || !a.Allowed {
						continue
					}
					for _, w := range a.Warnings {
						if !slices.Contains(out, name+": "+w) {
							out = append(out, name+": "+w)
						}
					}
				}
			}
		}
	}
	return out
}

// reviewUsers reports native users holding powerful roles, disabled users
// still holding them, restrictions cancelled by a broader role, and an
// enabled built-in superuser.
func (r *stackReview) reviewUsers(ctx context.Context) {
	users, err := r.t.ES.GetUsers(ctx)
	if err != nil {
		r.reviewed("users not readable (%s)", esShort(err))
		return
	}
	r.reviewed("%d users", len(users))
	for _, un := range esapi.SortedKeys(users) {
		u := users[un]
		principal := "user:" + un
		if esapi.IsReserved(u.Metadata) {
			if un == "elastic" && u.Enabled {
				r.add("es.user.builtin_superuser", principal, "low", "the built-in superuser is enabled", "elastic is enabled",
					"keep it for break-glass use only; give people personal users", nil)
			}
			continue
		}
		if cancelled := r.cancelledRestrictions(u.Roles); len(cancelled) > 0 {
			r.add("es.user.restriction_cancelled", principal, "high", "document- or field-level security is cancelled by a broader role the user also holds",
				strings.Join(cancelled, "; "), "remove the broader role, or give it the same restriction", nil)
		}
		var held []string
		worst := ""
		for _, role := range u.Roles {
			if sev, ok := r.powerful[role]; ok {
				held = append(held, role)
				if esSeverityRank[sev] > esSeverityRank[worst] {
					worst = sev
				}
			}
		}
		if len(held) == 0 {
			continue
		}
		evidence := "roles: " + strings.Join(u.Roles, ", ")
		fix := call("update_user", map[string]any{"username": un, "remove_roles": held})
		if !u.Enabled {
			sev := "low"
			if r.permissionOf(u.Roles).SuperuserLike() {
				sev = "medium" // re-enabling it restores superuser power at once
			}
			r.add("es.user.disabled_privileged", principal, sev, "disabled but still holds privileged role(s) "+strings.Join(held, ", "), evidence,
				"remove the roles, or delete the user once the audit trail is no longer needed", fix)
			continue
		}
		r.add("es.user.privileged", principal, worst, "holds privileged role(s) "+strings.Join(held, ", "), evidence,
			"give a narrower role for routine work", fix)
	}
}

// reviewRoleMappings reports mappings granting powerful roles (worse when
// their rules match broadly), rules on unknown fields, restrictions
// cancelled between the roles they grant together, and templates that can
// produce a superuser-like role.
func (r *stackReview) reviewRoleMappings(ctx context.Context) {
	mappings, err := r.t.ES.GetRoleMappings(ctx)
	if err != nil {
		r.reviewed("role mappings not readable (%s)", esShort(err))
		return
	}
	r.reviewed("%d role mappings", len(mappings))
	for _, mn := range esapi.SortedKeys(mappings) {
		m := mappings[mn]
		principal := "role_mapping:" + mn
		if err := checkMappingRuleFields(m.Rules); err != nil {
			fixed := mappingArgs(mn, m)
			fixed["rules"] = fixRuleFields(m.Rules)
			r.add("es.mapping.unknown_field", principal, "medium", "its rules match on fields Elasticsearch never fills in, so they never match as intended",
				"rules "+compactJSON(m.Rules), "use the valid field names", call("put_role_mapping", fixed))
		}
		if len(m.RoleTemplates) > 0 {
			r.reviewTemplates(principal, mn, m)
		}
		if cancelled := r.cancelledRestrictions(m.Roles); len(cancelled) > 0 {
			r.add("es.mapping.restriction_cancelled", principal, "high", "grants roles together of which one cancels another's document- or field-level security",
				strings.Join(cancelled, "; "), "map the broader role separately, or give it the same restriction", nil)
		}
		var held []string
		for _, role := range m.Roles {
			if sev, ok := r.powerful[role]; ok && sev != "low" {
				held = append(held, role)
			}
		}
		if len(held) == 0 || !m.Enabled {
			continue
		}
		sev, why := "medium", "grants "+strings.Join(held, ", ")+" by rules "+compactJSON(m.Rules)
		if esBroadRule(m.Rules) {
			sev, why = "high", why+", which match broadly (no group, dn or username condition)"
		}
		disabled := mappingArgs(mn, m)
		disabled["enabled"] = false
		r.add("es.mapping.privileged", principal, sev, why, "roles "+strings.Join(m.Roles, ", "),
			"narrow the rules to an admin group, or map to a narrower role; the fix call disables the mapping until then", call("put_role_mapping", disabled))
	}
}

// reviewTemplates reports role templates whose output can name a
// superuser-like role (the user's attributes choose the role).
func (r *stackReview) reviewTemplates(principal, name string, m esapi.RoleMapping) {
	var can []string
	for _, rt := range m.RoleTemplates {
		pattern := templateNamePattern(rt)
		re, err := ruleValuePattern(pattern)
		if err != nil {
			continue
		}
		for _, role := range esapi.SortedKeys(r.powerful) {
			if r.powerful[role] == "high" && re.MatchString(role) && !slices.Contains(can, role) {
				can = append(can, role)
			}
		}
	}
	if len(can) == 0 {
		r.add("es.mapping.templates", principal, "low", "derives role names from user attributes (role_templates), so the granted roles depend on the identity provider",
			"templates "+compactJSON(m.RoleTemplates), "make sure the identity provider controls those attributes", nil)
		return
	}
	sev := "medium"
	if m.Enabled {
		sev = "high"
	}
	disabled := mappingArgs(name, m)
	disabled["enabled"] = false
	r.add("es.mapping.template_superuser", principal, sev, "its role templates can produce superuser-like role(s) "+strings.Join(can, ", ")+" from user attributes",
		"templates "+compactJSON(m.RoleTemplates), "give the template a fixed prefix that no powerful role has (e.g. team-{{metadata.team}}), or map fixed roles; the fix call disables the mapping until then",
		call("put_role_mapping", disabled))
}

func mappingArgs(name string, m esapi.RoleMapping) map[string]any {
	args := map[string]any{"name": name, "rules": m.Rules, "enabled": m.Enabled}
	if len(m.Roles) > 0 {
		args["roles"] = m.Roles
	}
	var tpls []any
	for _, rt := range m.RoleTemplates {
		e := map[string]any{"template": rt.Template}
		if rt.Format != "" {
			e["format"] = rt.Format
		}
		tpls = append(tpls, e)
	}
	if len(tpls) > 0 {
		args["role_templates"] = tpls
	}
	return args
}

// fixRuleFields renames unknown rule fields to the nearest valid ones.
func fixRuleFields(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, c := range x {
			if f, ok := c.(map[string]any); ok && k == "field" {
				nf := map[string]any{}
				for name, val := range f {
					if !validMappingField(name) {
						name = nearestMappingField(name)
					}
					nf[name] = val
				}
				out[k] = nf
				continue
			}
			out[k] = fixRuleFields(c)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = fixRuleFields(e)
		}
		return out
	}
	return v
}

// reviewAPIKeys reports valid API keys that never expire or live long,
// carry their owner's every privilege, or superuser-like power.
func (r *stackReview) reviewAPIKeys(ctx context.Context, longLived time.Duration) {
	keys, complete, err := validAPIKeys(ctx, r.t.ES)
	switch {
	case err != nil && len(keys) == 0:
		r.reviewed("API keys not readable (%s)", esShort(err))
		return
	case err != nil:
		r.reviewed("%d valid API keys, the oldest; reading the rest failed (%s), so they were not reviewed", len(keys), esShort(err))
	case !complete:
		r.reviewed("%d valid API keys, the oldest; the review stops there, so newer keys were not reviewed: invalidate keys nobody uses "+
			"(invalidate_es_api_keys) or review the rest with list_es_api_keys", len(keys))
	default:
		r.reviewed("%d valid API keys", len(keys))
	}
	now := time.Now()
	for _, k := range keys {
		principal := fmt.Sprintf("api_key:%s (%s)", k.Name, k.ID)
		if esKeyStatus(k, now) != "active" {
			continue
		}
		var esc []string
		for _, d := range k.RoleDescriptors {
			esc = append(esc, esEscalations(d)...)
		}
		invalidate := call("invalidate_es_api_keys", map[string]any{"ids": []string{k.ID}})
		owner := "owner " + k.Username + ", realm " + k.Realm
		switch {
		case k.Expiration == 0:
			r.add("es.key.never_expires", principal, "high", "never expires ("+owner+")", "expiration: none",
				"replace it with an expiring key (create_es_api_key), then invalidate this one", invalidate)
		case time.UnixMilli(k.Expiration).Sub(now) > longLived:
			r.add("es.key.long_lived", principal, "medium", "valid until "+esMillis(k.Expiration), "expires "+esMillis(k.Expiration)+", "+owner,
				"rotate to a shorter-lived key, then invalidate this one", invalidate)
		}
		if len(k.RoleDescriptors) == 0 {
			r.add("es.key.unscoped", principal, "medium", "has no role descriptors, so it carries every privilege its owner "+k.Username+" had at creation",
				"role_descriptors: none", "recreate it scoped with role_descriptors, then invalidate this one", invalidate)
		}
		if len(esc) > 0 {
			r.add("es.key.superuser_like", principal, "high", "carries superuser-like power: "+strings.Join(sortedUnique(esc), ", "),
				"role descriptors "+strings.Join(esapi.SortedKeys(k.RoleDescriptors), ", "), "recreate it with narrower role descriptors, then invalidate this one", invalidate)
		}
	}
}

// keyPage is how many API keys one query reads; maxKeyPages bounds a review
// at 100,000 keys.
const (
	keyPage     = 1000
	maxKeyPages = 100
)

// errKeysUnpageable: more keys than a page were made in one millisecond, so
// the pages cannot move past them.
var errKeysUnpageable = errors.New("more than 1,000 API keys share one creation time")

// validAPIKeys reads the valid API keys oldest first, a page at a time. Each
// page starts at the creation time of the last key read (at it, not after:
// keys made in the same millisecond may straddle two pages) and keys already
// read are skipped. Unlike from/size paging, a key invalidated or made while
// the pages are read cannot shift another one out of every page. complete is
// false when the bound on pages was reached; keys read before an error are
// returned with it.
func validAPIKeys(ctx context.Context, es *esapi.Client) (keys []esapi.APIKey, complete bool, err error) {
	seen := map[string]bool{}
	valid := map[string]any{"term": map[string]any{"invalidated": false}}
	query := valid
	for range maxKeyPages {
		res, err := es.QueryAPIKeys(ctx, map[string]any{"size": keyPage, "sort": []any{"creation"}, "query": query})
		if err != nil {
			return keys, false, err
		}
		added := 0
		for _, k := range res.APIKeys {
			if !seen[k.ID] {
				seen[k.ID] = true
				keys = append(keys, k)
				added++
			}
		}
		if len(res.APIKeys) < keyPage {
			return keys, true, nil
		}
		if added == 0 {
			return keys, false, errKeysUnpageable
		}
		query = map[string]any{"bool": map[string]any{"filter": []any{valid,
			map[string]any{"range": map[string]any{"creation": map[string]any{"gte": res.APIKeys[len(res.APIKeys)-1].Creation}}}}}}
	}
	return keys, false, nil
}

// esBroadRule reports a mapping rule without a group, dn or username
// condition: it matches everyone of a realm (or everyone at all).
func esBroadRule(r map[string]any) bool {
	narrow := false
	var walk func(v any, negated bool)
	walk = func(v any, negated bool) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				switch k {
				case "field":
					if f, ok := c.(map[string]any); ok && !negated {
						for name, val := range f {
							if (name == "groups" || name == "dn" || name == "username" || strings.HasPrefix(name, "metadata.")) && val != "*" {
								narrow = true
							}
						}
					}
				case "except":
					walk(c, true)
				case "any":
					// Every branch must be narrow for "any" to be narrow.
					if list, ok := c.([]any); ok {
						all := len(list) > 0
						for _, e := range list {
							if !esBroadRuleChild(e) {
								continue
							}
							all = false
						}
						if all && !negated {
							narrow = true
						}
					}
				default:
					walk(c, negated)
				}
			}
		case []any:
			for _, e := range x {
				walk(e, negated)
			}
		}
	}
	walk(r, false)
	return !narrow
}

func esBroadRuleChild(v any) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return true
	}
	return esBroadRule(m)
}
