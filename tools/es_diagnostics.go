package tools

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// esDiagnosticTools returns check_privileges and access_review.
// PrivilegeIndexInput is one index check.
type PrivilegeIndexInput struct {
	Names                  []string `json:"names" jsonschema:"index patterns" validate:"required,min=1,dive,required"`
	Privileges             []string `json:"privileges" jsonschema:"index privileges, e.g. read, view_index_metadata, write" validate:"required,min=1,dive,required"`
	AllowRestrictedIndices bool     `json:"allow_restricted_indices,omitempty"`
}

// PrivilegeKibanaInput is one Kibana feature check.
type PrivilegeKibanaInput struct {
	Features map[string][]string `json:"features" jsonschema:"feature privileges, e.g. {\"dashboard\":[\"read\"]}" validate:"required,min=1"`
	Space    string              `json:"space,omitempty" jsonschema:"space id; default: default"`
}

// CheckPrivilegesInput is what to check.
type CheckPrivilegesInput struct {
	ProjectArg
	Cluster      []string               `json:"cluster,omitempty" jsonschema:"cluster privileges, e.g. manage_security, monitor" validate:"dive,required"`
	Indices      []PrivilegeIndexInput  `json:"indices,omitempty" validate:"dive"`
	Kibana       []PrivilegeKibanaInput `json:"kibana,omitempty" jsonschema:"Kibana feature privileges to check in a space" validate:"dive"`
	Applications []RoleApplicationInput `json:"applications,omitempty" jsonschema:"raw application privileges" validate:"dive"`
}

// CheckPrivilegesOutput is the answer, explained.
type CheckPrivilegesOutput struct {
	Username        string   `json:"username"`
	HasAllRequested bool     `json:"has_all_requested"`
	Granted         []string `json:"granted"`
	Missing         []string `json:"missing"`
	Explanation     []string `json:"explanation,omitempty" jsonschema:"what the missing privileges mean and how to grant them"`
}

// esServerPrivileges is what the server's own tools need, checked when no
// privilege is named.
var esServerPrivileges = []string{"read_security", "manage_security", "manage_own_api_key", "manage_api_key", "monitor"}

var esPrivilegeUse = map[string]string{
	"manage_security":    "needed by put_role, delete_roles, the user tools and the role mapping tools",
	"read_security":      "needed by get_roles, get_users, get_role_mappings and access_review",
	"manage_own_api_key": "lets the credential create, list and invalidate its own API keys",
	"manage_api_key":     "lets the credential list and invalidate every user's API keys",
	"monitor":            "lets the server read the cluster's flavour (GET /)",
}

func checkPrivilegesTool() toolkit.Tool { return toolkit.Define(checkPrivilegesSpec, checkPrivileges) }

var checkPrivilegesSpec = toolkit.Spec{
	Name:    "check_privileges",
	Title:   "Check privileges",
	Toolset: toolkit.ToolsetDiagnostics,
	Tier:    toolkit.Read,
	Description: "Check the server credential's own privileges and explain how to grant what is missing. Use after a 403, with " +
		"whoami.",
}

func checkPrivileges(ctx context.Context, c *toolkit.Call, in CheckPrivilegesInput) (CheckPrivilegesOutput, error) {
	var out CheckPrivilegesOutput
	t, ctx, err := esTarget(ctx, c, in.Project)
	if err != nil {
		return out, err
	}
	req, defaultCheck, err := privilegeRequest(ctx, t, in)
	if err != nil {
		return out, err
	}
	res, err := t.ES.HasPrivileges(ctx, req)
	if err != nil {
		return out, stackFail(t, err)
	}
	missing := sortPrivileges(res, &out)
	explainMissing(res.Username, missing, defaultCheck, &out)
	if me, err := t.ES.Authenticate(ctx); err == nil && me.AuthenticationType == "api_key" && len(out.Missing) > 0 {
		out.Explanation = append(out.Explanation, "the credential is an API key: its privileges are a snapshot taken at creation, so changing roles does not help; create a new key with the privileges it needs")
	}
	if t.CloudKey && len(out.Missing) > 0 {
		out.Explanation = append(out.Explanation, "the credential is the Elastic Cloud API key: in a project it has the privileges of its application_roles; give it stack access with the needed role")
	}
	return out, nil
}

// privilegeRequest builds the privilege check, with names checked against
// the cluster; with nothing asked, it checks what this server's tools need.
func privilegeRequest(ctx context.Context, t *toolkit.StackTarget, in CheckPrivilegesInput) (req esapi.HasPrivilegesRequest, defaultCheck bool, err error) {
	pc := newPrivilegeCheck(ctx, t)
	req = esapi.HasPrivilegesRequest{Cluster: pc.cluster("cluster", in.Cluster)}
	defaultCheck = len(in.Cluster) == 0 && len(in.Indices) == 0 && len(in.Kibana) == 0 && len(in.Applications) == 0
	if defaultCheck {
		req.Cluster = esServerPrivileges
	}
	for i, ix := range in.Indices {
		req.Index = append(req.Index, esapi.IndexPrivilegeCheck{Names: ix.Names, Privileges: pc.index(fmt.Sprintf("indices[%d]", i), ix.Privileges), AllowRestrictedIndices: ix.AllowRestrictedIndices})
	}
	if err := pc.err(); err != nil {
		return req, defaultCheck, err
	}
	for _, k := range in.Kibana {
		space := k.Space
		if space == "" {
			space = "default"
		}
		var privs []string
		for _, id := range esapi.SortedKeys(k.Features) {
			for _, p := range k.Features[id] {
				privs = append(privs, "feature_"+id+"."+p)
			}
		}
		req.Application = append(req.Application, esapi.ApplicationPrivileges{Application: kibanaApp, Privileges: privs, Resources: []string{"space:" + space}})
	}
	for _, a := range in.Applications {
		req.Application = append(req.Application, esapi.ApplicationPrivileges{Application: a.Application, Privileges: a.Privileges, Resources: a.Resources})
	}
	return req, defaultCheck, nil
}

// missingPrivileges are the privileges a check found missing, by kind.
type missingPrivileges struct {
	cluster []string
	index   map[string][]string
	app     []string
}

// sortPrivileges lists granted and missing privileges in out, in a stable
// order, and returns the missing ones by kind.
func sortPrivileges(res *esapi.HasPrivilegesResult, out *CheckPrivilegesOutput) missingPrivileges {
	out.Username, out.HasAllRequested = res.Username, res.HasAllRequested
	out.Granted, out.Missing = []string{}, []string{}
	m := missingPrivileges{index: map[string][]string{}}
	for _, p := range esapi.SortedKeys(res.Cluster) {
		if res.Cluster[p] {
			out.Granted = append(out.Granted, "cluster "+p)
		} else {
			out.Missing = append(out.Missing, "cluster "+p)
			m.cluster = append(m.cluster, p)
		}
	}
	for _, ix := range esapi.SortedKeys(res.Index) {
		for _, p := range esapi.SortedKeys(res.Index[ix]) {
			s := fmt.Sprintf("index %s: %s", ix, p)
			if res.Index[ix][p] {
				out.Granted = append(out.Granted, s)
			} else {
				out.Missing = append(out.Missing, s)
				m.index[ix] = append(m.index[ix], p)
			}
		}
	}
	for _, app := range esapi.SortedKeys(res.Application) {
		for _, resName := range esapi.SortedKeys(res.Application[app]) {
			for _, p := range esapi.SortedKeys(res.Application[app][resName]) {
				s := fmt.Sprintf("application %s %s on %s", app, p, resName)
				if res.Application[app][resName][p] {
					out.Granted = append(out.Granted, s)
				} else {
					out.Missing = append(out.Missing, s)
					m.app = append(m.app, s)
				}
			}
		}
	}
	return m
}

// explainMissing says how to obtain each missing privilege.
func explainMissing(username string, m missingPrivileges, defaultCheck bool, out *CheckPrivilegesOutput) {
	for _, p := range m.cluster {
		if use, ok := esPrivilegeUse[p]; ok && defaultCheck {
			out.Explanation = append(out.Explanation, fmt.Sprintf("cluster privilege %s is missing: %s", p, use))
		}
	}
	if len(m.cluster) > 0 && !defaultCheck {
		out.Explanation = append(out.Explanation, "grant the missing cluster privileges with a role (put_role cluster: ["+strings.Join(m.cluster, ", ")+"]) assigned to this user, or a key created with them")
	}
	for _, ix := range esapi.SortedKeys(m.index) {
		out.Explanation = append(out.Explanation, fmt.Sprintf("no role of %s grants %s on %s: create or reuse a role with indices [{names: [%s], privileges: [%s]}] (get_roles, put_role) and assign it (update_user add_roles)",
			username, strings.Join(m.index[ix], ", "), ix, ix, strings.Join(m.index[ix], ", ")))
	}
	if len(m.app) > 0 {
		out.Explanation = append(out.Explanation, "Kibana or application privileges are missing: add them to a role with put_role (kibana or applications) and assign it")
	}
}

// AccessReviewInput scopes the review.
type AccessReviewInput struct {
	ProjectArg
	MinSeverity string `json:"min_severity,omitempty" jsonschema:"lowest severity shown; default low" validate:"omitempty,oneof=low medium high"`
	MaxKeyAge   string `json:"long_lived_key,omitempty" jsonschema:"long-lived threshold; default 90d" validate:"omitempty,duration"`
}

// Finding is one risky grant.
type Finding struct {
	Severity string `json:"severity" jsonschema:"high, medium or low"`
	Subject  string `json:"subject" jsonschema:"what it is about, e.g. user:bob, role:ops, api_key:ci (id), role_mapping:saml-admins"`
	Issue    string `json:"issue"`
	Fix      string `json:"fix,omitempty"`
}

// AccessReviewOutput is the audit.
type AccessReviewOutput struct {
	Findings []Finding      `json:"findings"`
	Counts   map[string]int `json:"counts" jsonschema:"findings by severity"`
	Reviewed []string       `json:"reviewed" jsonschema:"what was read, and what could not be"`
}

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

var esSeverityRank = map[string]int{"high": 3, "medium": 2, "low": 1}

func accessReviewTool() toolkit.Tool { return toolkit.Define(accessReviewSpec, accessReview) }

var accessReviewSpec = toolkit.Spec{
	Name:    "access_review",
	Title:   "Review risky access",
	Toolset: toolkit.ToolsetDiagnostics,
	Tier:    toolkit.Read,
	Description: "Audit a cluster or project for risky access (superuser-like roles, admin users, long-lived keys, broad " +
		"mappings) with severity and fix.",
}

func accessReview(ctx context.Context, c *toolkit.Call, in AccessReviewInput) (AccessReviewOutput, error) {
	out := AccessReviewOutput{Findings: []Finding{}, Counts: map[string]int{}}
	t, ctx, err := esTarget(ctx, c, in.Project)
	if err != nil {
		return out, err
	}
	longLived := 90 * 24 * time.Hour
	if in.MaxKeyAge != "" {
		longLived, _ = toolkit.ParseDuration(in.MaxKeyAge)
	}
	roles, err := t.ES.GetRoles(ctx)
	if err != nil {
		return out, stackFail(t, err)
	}
	powerful := reviewRoles(roles, &out)
	c.Progress(ctx, 1, 4, "roles reviewed")
	if t.Flavor(ctx) != esapi.FlavorServerless {
		reviewUsers(ctx, t, powerful, &out)
		c.Progress(ctx, 2, 4, "users reviewed")
		reviewRoleMappings(ctx, t, powerful, &out)
		c.Progress(ctx, 3, 4, "role mappings reviewed")
	} else {
		out.Reviewed = append(out.Reviewed, "users and role mappings: not on Serverless (review organization members with list_org_members)")
	}
	reviewAPIKeys(ctx, t, longLived, &out)
	c.Progress(ctx, 4, 4, "API keys reviewed")
	out.keepAtLeast(in.MinSeverity)
	return out, nil
}

func (o *AccessReviewOutput) add(sev, subject, issue, fix string) {
	o.Findings = append(o.Findings, Finding{Severity: sev, Subject: subject, Issue: issue, Fix: fix})
}

// keepAtLeast drops findings below minSeverity, puts the worst first and
// counts them.
func (o *AccessReviewOutput) keepAtLeast(minSeverity string) {
	min := esSeverityRank[minSeverity]
	kept := o.Findings[:0]
	for _, f := range o.Findings {
		if esSeverityRank[f.Severity] >= min {
			kept = append(kept, f)
		}
	}
	o.Findings = kept
	sort.SliceStable(o.Findings, func(i, j int) bool {
		return esSeverityRank[o.Findings[i].Severity] > esSeverityRank[o.Findings[j].Severity]
	})
	for _, f := range o.Findings {
		o.Counts[f.Severity]++
	}
}

// reviewRoles reports custom roles with superuser-like power, impersonation
// or restricted indices, and returns which roles are powerful (built-in or
// custom, with a severity) for the user and role mapping checks.
func reviewRoles(roles map[string]esapi.RoleDescriptor, out *AccessReviewOutput) map[string]string {
	out.Reviewed = append(out.Reviewed, fmt.Sprintf("%d roles", len(roles)))
	powerful := map[string]string{}
	for _, name := range esapi.SortedKeys(roles) {
		d := roles[name]
		esc := esEscalations(d)
		if sev, ok := esAdminRoles[name]; ok && esapi.IsReserved(d.Metadata) {
			powerful[name] = sev
		}
		if len(esc) > 0 {
			powerful[name] = "high"
		}
		if esapi.IsReserved(d.Metadata) {
			continue
		}
		if len(esc) > 0 {
			out.add("high", "role:"+name, "grants superuser-like power: "+strings.Join(esc, ", "), "narrow it with put_role to the privileges actually needed")
		}
		if len(d.RunAs) > 0 && !slices.Contains(d.RunAs, "*") {
			out.add("medium", "role:"+name, "may act as other users (run_as "+strings.Join(d.RunAs, ", ")+")", "remove run_as unless impersonation is required")
		}
		for _, ip := range d.Indices {
			if ip.AllowRestrictedIndices {
				out.add("medium", "role:"+name, "reaches restricted system indices ("+strings.Join(ip.Names, ", ")+")", "remove allow_restricted_indices")
			}
		}
	}
	return powerful
}

// reviewUsers reports native users holding powerful roles, and an enabled
// built-in superuser.
func reviewUsers(ctx context.Context, t *toolkit.StackTarget, powerful map[string]string, out *AccessReviewOutput) {
	users, err := t.ES.GetUsers(ctx)
	if err != nil {
		out.Reviewed = append(out.Reviewed, "users: not readable ("+esShort(err)+")")
	} else {
		out.Reviewed = append(out.Reviewed, fmt.Sprintf("%d users", len(users)))
		for _, un := range esapi.SortedKeys(users) {
			u := users[un]
			if esapi.IsReserved(u.Metadata) {
				if un == "elastic" && u.Enabled {
					out.add("low", "user:elastic", "the built-in superuser is enabled", "keep it for break-glass use only; give people personal users")
				}
				continue
			}
			var held []string
			worst := ""
			for _, r := range u.Roles {
				if sev, ok := powerful[r]; ok {
					held = append(held, r)
					if esSeverityRank[sev] > esSeverityRank[worst] {
						worst = sev
					}
				}
			}
			if len(held) == 0 {
				continue
			}
			if !u.Enabled {
				out.add("low", "user:"+un, "disabled but still holds privileged role(s) "+strings.Join(held, ", "), "remove the roles (update_user remove_roles), or delete the user once the audit trail is no longer needed")
				continue
			}
			out.add(worst, "user:"+un, "holds privileged role(s) "+strings.Join(held, ", "), "give a narrower role for routine work (update_user)")
		}
	}
}

// reviewRoleMappings reports enabled mappings granting powerful roles, worst
// when their rules match broadly, and mappings with role templates.
func reviewRoleMappings(ctx context.Context, t *toolkit.StackTarget, powerful map[string]string, out *AccessReviewOutput) {
	mappings, err := t.ES.GetRoleMappings(ctx)
	if err != nil {
		out.Reviewed = append(out.Reviewed, "role mappings: not readable ("+esShort(err)+")")
	} else {
		out.Reviewed = append(out.Reviewed, fmt.Sprintf("%d role mappings", len(mappings)))
		for _, mn := range esapi.SortedKeys(mappings) {
			m := mappings[mn]
			var held []string
			for _, r := range m.Roles {
				if sev, ok := powerful[r]; ok && sev != "low" {
					held = append(held, r)
				}
			}
			if len(m.RoleTemplates) > 0 {
				out.add("low", "role_mapping:"+mn, "derives role names from user attributes (role_templates), so the granted roles depend on the identity provider", "make sure the identity provider controls those attributes")
			}
			if len(held) == 0 || !m.Enabled {
				continue
			}
			sev, why := "medium", "grants "+strings.Join(held, ", ")+" by rules "+compactJSON(m.Rules)
			if esBroadRule(m.Rules) {
				sev, why = "high", why+", which match broadly (no group, dn or username condition)"
			}
			out.add(sev, "role_mapping:"+mn, why, "narrow the rules to an admin group, or map to a narrower role (put_role_mapping)")
		}
	}
}

// reviewAPIKeys reports valid API keys that never expire or live long,
// carry their owner's every privilege, or superuser-like power.
func reviewAPIKeys(ctx context.Context, t *toolkit.StackTarget, longLived time.Duration, out *AccessReviewOutput) {
	keys, err := t.ES.QueryAPIKeys(ctx, map[string]any{"size": 1000, "query": map[string]any{"term": map[string]any{"invalidated": false}}})
	if err != nil {
		out.Reviewed = append(out.Reviewed, "API keys: not readable ("+esShort(err)+")")
	} else {
		out.Reviewed = append(out.Reviewed, fmt.Sprintf("%d valid API keys", len(keys.APIKeys)))
		now := time.Now()
		for _, k := range keys.APIKeys {
			subject := fmt.Sprintf("api_key:%s (%s)", k.Name, k.ID)
			if esKeyStatus(k, now) != "active" {
				continue
			}
			var esc []string
			for _, d := range k.RoleDescriptors {
				esc = append(esc, esEscalations(d)...)
			}
			switch {
			case k.Expiration == 0:
				out.add("high", subject, "never expires (owner "+k.Username+")", "replace it with an expiring key (create_es_api_key) and invalidate this one")
			case time.UnixMilli(k.Expiration).Sub(now) > longLived:
				out.add("medium", subject, "valid until "+esMillis(k.Expiration), "rotate to a shorter-lived key")
			}
			if len(k.RoleDescriptors) == 0 {
				out.add("medium", subject, "has no role descriptors, so it carries every privilege its owner "+k.Username+" had at creation", "recreate it scoped with role_descriptors")
			}
			if len(esc) > 0 {
				out.add("high", subject, "carries superuser-like power: "+strings.Join(sortedUnique(esc), ", "), "recreate it with narrower role descriptors")
			}
		}
	}
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
					// Every branch must be narrow for "any" to be narrow;
					// approximate by requiring it of all of them.
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
