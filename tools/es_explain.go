package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/policy"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// ExplainAccessInput names one principal and, optionally, what to check.
type ExplainAccessInput struct {
	ProjectArg
	Username string         `json:"username,omitempty" jsonschema:"native user, or external-realm user with realm"`
	Realm    string         `json:"realm,omitempty" jsonschema:"external realm name"`
	Groups   []string       `json:"groups,omitempty" jsonschema:"external user's groups"`
	DN       string         `json:"dn,omitempty" jsonschema:"external user's DN"`
	Metadata map[string]any `json:"metadata,omitempty" jsonschema:"external user's metadata"`
	APIKeyID string         `json:"api_key_id,omitempty" jsonschema:"API key id or name"`
	Member   string         `json:"member,omitempty" jsonschema:"Cloud member email"`
	Self     bool           `json:"self,omitempty" jsonschema:"the server's own credential"`

	Cluster []string               `json:"cluster,omitempty" jsonschema:"cluster privileges to check" validate:"dive,required"`
	Indices []PrivilegeIndexInput  `json:"indices,omitempty" jsonschema:"index privileges to check" validate:"dive"`
	Kibana  []PrivilegeKibanaInput `json:"kibana,omitempty" jsonschema:"Kibana privileges to check" validate:"dive"`
}

// ExplainAccessOutput is the explanation, per target (one, or one per
// project for a Cloud member).
type ExplainAccessOutput struct {
	Principal string              `json:"principal"`
	Kind      string              `json:"kind" jsonschema:"native_user, realm_user (found through their user profile), external_user, api_key, cloud_member or self"`
	Targets   []AccessExplanation `json:"targets"`
	Warnings  []string            `json:"warnings,omitempty"`
}

// AccessExplanation is what the principal can do on one cluster or project.
type AccessExplanation struct {
	Target string   `json:"target"`
	Roles  []string `json:"roles"`
	// RolesFrom says where the roles come from (the user record, a role
	// mapping, a project role assignment).
	RolesFrom       []string           `json:"roles_from,omitempty"`
	Method          string             `json:"method" jsonschema:"how the answer was obtained: role definitions, and whether Elasticsearch's privilege check confirmed it"`
	HasAllRequested *bool              `json:"has_all_requested,omitempty"`
	Cluster         []ClusterExplained `json:"cluster,omitempty"`
	Indices         []IndexExplained   `json:"indices,omitempty"`
	Kibana          []KibanaExplained  `json:"kibana,omitempty"`
	Summary         []string           `json:"summary,omitempty" jsonschema:"what the principal can do, when nothing specific was asked"`
	Warnings        []string           `json:"warnings,omitempty"`
	profileUID      string             // the user's profile, for Elasticsearch's own check
}

// ClusterExplained is one cluster privilege.
type ClusterExplained struct {
	Privilege string   `json:"privilege"`
	Allowed   bool     `json:"allowed"`
	GrantedBy []string `json:"granted_by,omitempty"`
}

// IndexExplained is one index privilege on one name or pattern.
type IndexExplained struct {
	Index     string   `json:"index"`
	Privilege string   `json:"privilege"`
	Allowed   bool     `json:"allowed"`
	GrantedBy []string `json:"granted_by,omitempty"`
	// Documents is "unrestricted" or the granting roles' queries (a document
	// is visible when any of them matches).
	Documents any `json:"documents,omitempty"`
	// Fields is "all fields" or the field-level security entries (a field is
	// visible when any entry grants it).
	Fields   any      `json:"fields,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
}

// KibanaExplained is one Kibana feature privilege in one space.
type KibanaExplained struct {
	Feature   string   `json:"feature"`
	Privilege string   `json:"privilege"`
	Space     string   `json:"space"`
	Allowed   bool     `json:"allowed"`
	GrantedBy []string `json:"granted_by,omitempty"`
}

func explainAccessTool() toolkit.Tool { return toolkit.Define(explainAccessSpec, explainAccess) }

var explainAccessSpec = toolkit.Spec{
	Name:    "explain_access",
	Title:   "Explain access",
	Toolset: toolkit.ToolsetDiagnostics,
	Tier:    toolkit.Read,
	Description: "Explain what a user, realm user, API key, Cloud member or the server can do and why: per privilege, the " +
		"granting roles and effective DLS/FLS. Answers \"why does joe get a 403\" without running as joe.",
}

func explainAccess(ctx context.Context, c *toolkit.Call, in ExplainAccessInput) (ExplainAccessOutput, error) {
	out := ExplainAccessOutput{Targets: []AccessExplanation{}}
	chosen := 0
	for _, set := range []bool{in.Username != "", in.APIKeyID != "", in.Member != "", in.Self} {
		if set {
			chosen++
		}
	}
	if chosen != 1 {
		return out, toolkit.InvalidArgs("give exactly one of username, api_key_id, member and self")
	}
	if in.Username == "" && (in.Realm != "" || len(in.Groups) > 0 || in.DN != "" || len(in.Metadata) > 0) {
		return out, toolkit.InvalidArgs("realm, groups, dn and metadata describe an external-realm user: give them with username")
	}
	if in.Member != "" {
		return explainMember(ctx, c, in)
	}
	t, ctx, err := esTarget(ctx, c, in.Project)
	if err != nil {
		return out, err
	}
	ex := AccessExplanation{Target: t.Label(), Roles: []string{}, Method: "evaluated from the role definitions"}
	var perm *policy.Permission
	switch {
	case in.Self:
		out.Kind = "self"
		perm, err = explainSelf(ctx, t, &out, &ex)
	case in.APIKeyID != "":
		out.Kind = "api_key"
		perm, err = explainAPIKey(ctx, t, in.APIKeyID, &out, &ex)
	case in.Realm != "":
		out.Kind = "external_user"
		perm, err = explainExternalUser(ctx, t, in, &out, &ex)
	default:
		out.Kind = "native_user"
		perm, err = explainNativeUser(ctx, t, in, &out, &ex)
	}
	if err != nil {
		return out, err
	}
	if err := answerRequest(in, perm, &ex); err != nil {
		return out, err
	}
	if ex.profileUID != "" && ex.HasAllRequested != nil {
		confirmByProfile(ctx, t, ex.profileUID, in, &ex)
	}
	if out.Kind == "self" && ex.HasAllRequested != nil {
		confirmBySelfCheck(ctx, t, in, &ex)
	}
	out.Targets = append(out.Targets, ex)
	return out, nil
}

// rolePermission reads the named roles' definitions and compiles them.
// Roles that do not exist are reported: they grant nothing.
func rolePermission(ctx context.Context, t *toolkit.StackTarget, names []string, ex *AccessExplanation) (*policy.Permission, error) {
	named := []policy.NamedRole{}
	if len(names) > 0 {
		defs, err := t.ES.GetRoles(ctx, names...)
		if err != nil {
			return nil, stackFail(t, err)
		}
		for _, n := range names {
			d, ok := defs[n]
			if !ok {
				ex.Warnings = append(ex.Warnings, fmt.Sprintf("role %s is assigned but not defined on %s, so it grants nothing", n, t.Label()))
				continue
			}
			r, err := toPolicyRole(d)
			if err != nil {
				return nil, err
			}
			named = append(named, policy.NamedRole{Name: n, Role: r})
		}
	}
	return policy.NewPermission(named...)
}

func toPolicyRole(d esapi.RoleDescriptor) (policy.Role, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return policy.Role{}, err
	}
	var r policy.Role
	if err := json.Unmarshal(b, &r); err != nil {
		return policy.Role{}, fmt.Errorf("read a role definition: %w", err)
	}
	return r, nil
}

func explainSelf(ctx context.Context, t *toolkit.StackTarget, out *ExplainAccessOutput, ex *AccessExplanation) (*policy.Permission, error) {
	me, err := t.ES.Authenticate(ctx)
	if err != nil {
		return nil, stackFail(t, err)
	}
	out.Principal = fmt.Sprintf("%s (realm %s)", me.Username, me.AuthenticationRealm.Name)
	if me.AuthenticationType == "api_key" && me.APIKey != nil && !t.CloudKey {
		out.Principal = fmt.Sprintf("API key %s (%s) of %s", me.APIKey.Name, me.APIKey.ID, me.Username)
		return explainAPIKey(ctx, t, me.APIKey.ID, out, ex)
	}
	ex.Roles = sortedUnique(me.Roles)
	ex.RolesFrom = []string{"the credential's authentication (_authenticate)"}
	return rolePermission(ctx, t, ex.Roles, ex)
}

func explainNativeUser(ctx context.Context, t *toolkit.StackTarget, in ExplainAccessInput, out *ExplainAccessOutput, ex *AccessExplanation) (*policy.Permission, error) {
	out.Principal = "user " + in.Username
	if err := requireStack(ctx, t, "Native users"); err != nil {
		return nil, err
	}
	var users map[string]struct {
		esapi.User
		ProfileUID string `json:"profile_uid"`
	}
	found, err := t.ES.DoAllow404(ctx, http.MethodGet, esapi.PathEscape("_security", "user", in.Username), url.Values{"with_profile_uid": {"true"}}, nil, &users)
	if err != nil {
		return nil, stackFail(t, err)
	}
	u, ok := users[in.Username]
	if !found || !ok {
		if me, err := t.ES.Authenticate(ctx); err == nil && me.Username == in.Username {
			out.Kind = "self"
			return explainSelf(ctx, t, out, ex)
		}
		if perm, ok, err := explainProfileUser(ctx, t, in.Username, out, ex); ok || err != nil {
			return perm, err
		}
		return nil, &toolkit.Error{Kind: toolkit.KindInvalidArguments, Message: fmt.Sprintf("Invalid arguments: %s is not a native user on %s.", in.Username, t.Label()),
			Next: "for a user of another realm (SAML, OIDC, LDAP, PKI) give realm, and groups or metadata as the realm reports them; list native users with get_users"}
	}
	if !u.Enabled {
		ex.Warnings = append(ex.Warnings, "the user is disabled: it cannot authenticate, whatever its roles allow")
	}
	ex.Roles = sortedUnique(u.Roles)
	ex.RolesFrom = []string{"the native user record"}
	perm, err := rolePermission(ctx, t, ex.Roles, ex)
	if err != nil {
		return nil, err
	}
	ex.profileUID = u.ProfileUID
	return perm, nil
}

// confirmBySelfCheck asks _has_privileges, for the server's own credential,
// whether it holds everything requested.
func confirmBySelfCheck(ctx context.Context, t *toolkit.StackTarget, in ExplainAccessInput, ex *AccessExplanation) {
	req, _, err := privilegeRequest(ctx, t, CheckPrivilegesInput{Cluster: in.Cluster, Indices: in.Indices, Kibana: in.Kibana})
	if err != nil {
		return
	}
	res, err := t.ES.HasPrivileges(ctx, req)
	if err != nil {
		ex.Method += "; Elasticsearch's _has_privileges could not be run (" + esShort(err) + ")"
		return
	}
	if *ex.HasAllRequested == res.HasAllRequested {
		ex.Method += "; confirmed by Elasticsearch's _has_privileges for this credential"
		return
	}
	ex.Method = "evaluated from the role definitions; Elasticsearch's _has_privileges disagrees"
	ex.Warnings = append(ex.Warnings, fmt.Sprintf("Elasticsearch's _has_privileges says has_all_requested=%v: trust it (check_privileges shows each privilege)", res.HasAllRequested))
	has := res.HasAllRequested
	ex.HasAllRequested = &has
}

// explainProfileUser finds a user of another realm (the file realm, or any
// realm whose users have logged in) through their user profile, which
// records their roles as of their last login.
func explainProfileUser(ctx context.Context, t *toolkit.StackTarget, username string, out *ExplainAccessOutput, ex *AccessExplanation) (*policy.Permission, bool, error) {
	var res struct {
		Profiles []struct {
			UID  string `json:"uid"`
			User struct {
				Username  string   `json:"username"`
				Roles     []string `json:"roles"`
				RealmName string   `json:"realm_name"`
			} `json:"user"`
		} `json:"profiles"`
	}
	if err := t.ES.Do(ctx, http.MethodPost, "/_security/profile/_suggest", nil, map[string]any{"name": username, "size": 20}, &res); err != nil {
		return nil, false, nil // no profiles to search: the caller explains what to give instead
	}
	for _, p := range res.Profiles {
		if p.User.Username != username || p.User.RealmName == "default_native" {
			continue
		}
		out.Kind = "realm_user"
		out.Principal = fmt.Sprintf("user %s of realm %s", username, p.User.RealmName)
		ex.Roles = append([]string{}, sortedUnique(p.User.Roles)...)
		ex.RolesFrom = []string{"the user's profile: the roles realm " + p.User.RealmName + " gave at their last login"}
		ex.profileUID = p.UID
		perm, err := rolePermission(ctx, t, ex.Roles, ex)
		return perm, true, err
	}
	return nil, false, nil
}

// confirmByProfile asks Elasticsearch's user-profile privilege check whether
// the user holds everything requested, and records whether it agrees with
// the evaluation from role definitions.
func confirmByProfile(ctx context.Context, t *toolkit.StackTarget, uid string, in ExplainAccessInput, ex *AccessExplanation) {
	// The profile check uses the roles the profile recorded at the user's
	// last login; after a role change it answers for the old roles.
	var prof struct {
		Profiles []struct {
			User struct {
				Roles []string `json:"roles"`
			} `json:"user"`
		} `json:"profiles"`
	}
	if err := t.ES.Do(ctx, http.MethodGet, esapi.PathEscape("_security", "profile", uid), nil, nil, &prof); err != nil || len(prof.Profiles) != 1 {
		return
	}
	if synced := sortedUnique(prof.Profiles[0].User.Roles); !slices.Equal(synced, ex.Roles) {
		ex.Method += fmt.Sprintf("; Elasticsearch's user-profile privilege check was not used: the profile still records the roles of the user's last login (%s), and is updated at their next login",
			strings.Join(synced, ", "))
		return
	}
	req, _, err := privilegeRequest(ctx, t, CheckPrivilegesInput{Cluster: in.Cluster, Indices: in.Indices, Kibana: in.Kibana})
	if err != nil {
		return
	}
	var res struct {
		HasPrivilegeUIDs []string `json:"has_privilege_uids"`
	}
	if err := t.ES.Do(ctx, http.MethodPost, "/_security/profile/_has_privileges", nil, map[string]any{"uids": []string{uid}, "privileges": req}, &res); err != nil {
		ex.Method += "; Elasticsearch's user-profile privilege check could not be run (" + esShort(err) + ")"
		return
	}
	has := slices.Contains(res.HasPrivilegeUIDs, uid)
	ex.Method += "; confirmed by Elasticsearch's user-profile privilege check"
	if ex.HasAllRequested != nil && *ex.HasAllRequested != has {
		ex.Method = "evaluated from the role definitions; Elasticsearch's user-profile privilege check disagrees"
		ex.Warnings = append(ex.Warnings, fmt.Sprintf("Elasticsearch's user-profile privilege check says has_all_requested=%v: trust it; the difference may come from privileges this server's model does not know", has))
		ex.HasAllRequested = &has
	}
}

func explainExternalUser(ctx context.Context, t *toolkit.StackTarget, in ExplainAccessInput, out *ExplainAccessOutput, ex *AccessExplanation) (*policy.Permission, error) {
	out.Principal = fmt.Sprintf("user %s of realm %s", in.Username, in.Realm)
	if err := requireStack(ctx, t, "Role mappings"); err != nil {
		return nil, err
	}
	mappings, err := t.ES.GetRoleMappings(ctx)
	if err != nil {
		return nil, stackFail(t, err)
	}
	u := mappingUser{Username: in.Username, DN: in.DN, Groups: in.Groups, Realm: in.Realm, Metadata: in.Metadata}
	var roles []string
	for _, name := range esapi.SortedKeys(mappings) {
		m := mappings[name]
		if !m.Enabled || !ruleMatches(m.Rules, u) {
			continue
		}
		got := slices.Clone(m.Roles)
		for _, rt := range m.RoleTemplates {
			got = append(got, renderRoleTemplate(rt, u)...)
		}
		ex.RolesFrom = append(ex.RolesFrom, fmt.Sprintf("role mapping %s: %s", name, strings.Join(got, ", ")))
		roles = append(roles, got...)
	}
	ex.Roles = append([]string{}, sortedUnique(roles)...)
	if len(ex.RolesFrom) == 0 {
		ex.Warnings = append(ex.Warnings, "no enabled role mapping matches this user: they get no roles (and no access) unless the realm assigns roles itself (authorization_realms)")
	}
	ex.Method = "evaluated from the role mappings' rules and the role definitions"
	return rolePermission(ctx, t, ex.Roles, ex)
}

// apiKeyWithLimits is an API key as _query/api_key returns it with
// with_limited_by: its own descriptors and its owner's roles at creation.
type apiKeyWithLimits struct {
	esapi.APIKey
	LimitedBy []map[string]esapi.RoleDescriptor `json:"limited_by"`
}

func explainAPIKey(ctx context.Context, t *toolkit.StackTarget, ref string, out *ExplainAccessOutput, ex *AccessExplanation) (*policy.Permission, error) {
	var res struct {
		APIKeys []apiKeyWithLimits `json:"api_keys"`
	}
	query := map[string]any{"size": 10, "query": map[string]any{"bool": map[string]any{"should": []any{
		map[string]any{"ids": map[string]any{"values": []string{ref}}},
		map[string]any{"term": map[string]any{"name": ref}}}}}}
	if err := t.ES.Do(ctx, http.MethodPost, "/_security/_query/api_key", url.Values{"with_limited_by": {"true"}}, query, &res); err != nil {
		return nil, stackFail(t, err)
	}
	switch n := len(res.APIKeys); {
	case n == 0:
		return nil, &toolkit.Error{Kind: toolkit.KindInvalidArguments, Message: fmt.Sprintf("Invalid arguments: no API key has the id or name %q on %s.", ref, t.Label()),
			Next: "list keys with list_es_api_keys (reading other users' keys needs manage_api_key)"}
	case n > 1:
		var ids []string
		for _, k := range res.APIKeys {
			ids = append(ids, k.ID)
		}
		return nil, toolkit.InvalidArgs("%d API keys are named %q (%s): give api_key_id the id", n, ref, strings.Join(ids, ", "))
	}
	k := res.APIKeys[0]
	if out.Principal == "" {
		out.Principal = fmt.Sprintf("API key %s (%s) of %s", k.Name, k.ID, k.Username)
	}
	if k.Invalidated {
		ex.Warnings = append(ex.Warnings, "the key is invalidated: it cannot authenticate")
	} else if esKeyStatus(k.APIKey, time.Now()) != "active" {
		ex.Warnings = append(ex.Warnings, "the key has expired: it cannot authenticate")
	}
	var own []policy.NamedRole
	for _, name := range esapi.SortedKeys(k.RoleDescriptors) {
		r, err := toPolicyRole(k.RoleDescriptors[name])
		if err != nil {
			return nil, err
		}
		own = append(own, policy.NamedRole{Name: name, Role: r})
		ex.Roles = append(ex.Roles, name)
	}
	var limits []policy.NamedRole
	for _, layer := range k.LimitedBy {
		for _, name := range esapi.SortedKeys(layer) {
			r, err := toPolicyRole(layer[name])
			if err != nil {
				return nil, err
			}
			limits = append(limits, policy.NamedRole{Name: name, Role: r})
		}
	}
	limitedBy, _ := policy.NewPermission(limits...)
	if len(own) == 0 {
		ex.RolesFrom = []string{"no role descriptors: the key carries its owner's privileges at creation (limited_by)"}
		for _, l := range limits {
			ex.Roles = append(ex.Roles, l.Name)
		}
		return limitedBy, nil
	}
	ex.RolesFrom = []string{"the key's role descriptors, limited by its owner's roles at creation"}
	p, _ := policy.NewPermission(own...)
	if k.LimitedBy == nil {
		ex.Warnings = append(ex.Warnings, "the owner's roles (limited_by) could not be read; the answer assumes the owner holds everything the descriptors name")
		return p, nil
	}
	return p.Limit(limitedBy), nil
}

// answerRequest answers the requested privileges, or summarizes.
func answerRequest(in ExplainAccessInput, perm *policy.Permission, ex *AccessExplanation) error {
	if len(in.Cluster) == 0 && len(in.Indices) == 0 && len(in.Kibana) == 0 {
		ex.Summary = perm.Summary()
		if len(ex.Summary) == 0 {
			ex.Summary = []string{"no privileges: the principal can authenticate but do nothing"}
		}
		for _, c := range perm.Escalations() {
			ex.Warnings = append(ex.Warnings, "superuser-like: "+c.Kind+" "+c.Detail)
		}
		return nil
	}
	all := true
	for _, p := range in.Cluster {
		a, err := perm.Cluster(p)
		if err != nil {
			return toolkit.InvalidArgs("cluster: %v", err)
		}
		all = all && a.Allowed
		ex.Cluster = append(ex.Cluster, ClusterExplained{Privilege: p, Allowed: a.Allowed, GrantedBy: a.GrantedBy})
	}
	for i, ix := range in.Indices {
		for _, name := range ix.Names {
			for _, p := range ix.Privileges {
				a, err := perm.Index(name, p, ix.AllowRestrictedIndices)
				if err != nil {
					return toolkit.InvalidArgs("indices[%d]: %v", i, err)
				}
				all = all && a.Allowed
				e := IndexExplained{Index: name, Privilege: p, Allowed: a.Allowed, GrantedBy: a.GrantedBy, Warnings: a.Warnings}
				if a.Allowed {
					e.Documents, e.Fields = "unrestricted", "all fields"
					if a.DocumentQueries != nil {
						e.Documents = a.DocumentQueries
					}
					if a.FieldSecurity != nil {
						e.Fields = a.FieldSecurity
					}
				}
				ex.Indices = append(ex.Indices, e)
			}
		}
	}
	for _, k := range in.Kibana {
		space := k.Space
		if space == "" {
			space = "default"
		}
		for _, f := range esapi.SortedKeys(k.Features) {
			for _, p := range k.Features[f] {
				a, err := perm.Application(kibanaApp, "space:"+space, "feature_"+f+"."+p)
				if err != nil {
					return toolkit.InvalidArgs("kibana: %v", err)
				}
				all = all && a.Allowed
				ex.Kibana = append(ex.Kibana, KibanaExplained{Feature: f, Privilege: p, Space: space, Allowed: a.Allowed, GrantedBy: a.GrantedBy})
			}
		}
	}
	ex.HasAllRequested = &all
	return nil
}
