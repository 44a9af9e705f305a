package tools

import (
	"context"
	"fmt"
	"strings"

	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// esDiagnosticTools returns check_privileges and access_review.
// PrivilegeIndexInput is one index check.
type PrivilegeIndexInput struct {
	Names                  []string `json:"names" jsonschema:"index patterns" validate:"required,min=1,max=100,dive,required,max=1024"`
	Privileges             []string `json:"privileges" jsonschema:"index privileges, e.g. read" validate:"required,min=1,max=100,dive,required,max=256"`
	AllowRestrictedIndices bool     `json:"allow_restricted_indices,omitempty"`
}

// PrivilegeKibanaInput is one Kibana feature check.
type PrivilegeKibanaInput struct {
	Features map[string][]string `json:"features" jsonschema:"feature privileges, e.g. {\"dashboard\":[\"read\"]}" validate:"required,min=1,max=100,dive,max=50,dive,required,max=256"`
	Space    string              `json:"space,omitempty" jsonschema:"space id; default: default" validate:"max=1024"`
}

// CheckPrivilegesInput is what to check. It is a read, allowed in read-only
// mode, so its size is bounded: names are checked and explained one by one.
type CheckPrivilegesInput struct {
	ProjectArg
	Cluster      []string               `json:"cluster,omitempty" jsonschema:"cluster privileges, e.g. manage_security, monitor" validate:"max=100,dive,required,max=256"`
	Indices      []PrivilegeIndexInput  `json:"indices,omitempty" validate:"max=50,dive"`
	Kibana       []PrivilegeKibanaInput `json:"kibana,omitempty" jsonschema:"Kibana feature privileges to check in a space" validate:"max=20,dive"`
	Applications []RoleApplicationInput `json:"applications,omitempty" jsonschema:"raw application privileges" validate:"max=20,dive"`
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
		"whoami. Other principals: explain_access.",
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
