package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/policy"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// clusterRoles reads role definitions for the access policy from the
// Elasticsearch a call acts on, built-in roles included, so that a role is
// judged by what the cluster says it grants and never by its name.
type clusterRoles struct{ es *esapi.Client }

func (r clusterRoles) Roles(ctx context.Context, _ string, names []string) (map[string]policy.Role, error) {
	return readPolicyRoles(ctx, r.es, names)
}

// readPolicyRoles reads the named roles and converts them to the policy's
// form. No names reads nothing (GET /_security/role alone lists every role).
func readPolicyRoles(ctx context.Context, es *esapi.Client, names []string) (map[string]policy.Role, error) {
	out := map[string]policy.Role{}
	if len(names) == 0 {
		return out, nil
	}
	got, err := es.GetRoles(ctx, names...)
	if err != nil {
		return nil, &roleReadError{err: err}
	}
	for name, d := range got {
		role, err := policyRole(d)
		if err != nil {
			return nil, fmt.Errorf("role %s as the cluster reports it: %w", name, err)
		}
		out[name] = role
	}
	return out, nil
}

// policyRole converts a role descriptor through its JSON form, which both
// sides share with Elasticsearch.
func policyRole(d esapi.RoleDescriptor) (policy.Role, error) {
	var role policy.Role
	b, err := json.Marshal(d)
	if err != nil {
		return role, err
	}
	err = json.Unmarshal(b, &role)
	return role, err
}

// toPolicyRoles converts named role descriptors (an API key's) with
// policyRole.
func toPolicyRoles(in map[string]esapi.RoleDescriptor) (map[string]policy.Role, error) {
	out := make(map[string]policy.Role, len(in))
	for name, d := range in {
		r, err := policyRole(d)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out[name] = r
	}
	return out, nil
}

// roleReadError marks a failure to read role definitions upstream, as
// opposed to a definition the policy rejects.
type roleReadError struct{ err error }

func (e *roleReadError) Error() string { return e.err.Error() }
func (e *roleReadError) Unwrap() error { return e.err }

// unreadableRole stands for a stack role whose definition cannot be read
// (a deployment, every project, a project the server cannot reach): it is
// judged as able to do anything, so handing it out always needs approval.
var unreadableRole = policy.Role{
	Cluster:      []string{"all"},
	Indices:      []policy.IndexPrivileges{{Names: []string{"*"}, Privileges: []string{"all"}, AllowRestrictedIndices: true}},
	Applications: []policy.ApplicationPrivileges{{Application: "*", Privileges: []string{"*"}, Resources: []string{"*"}}},
	RunAs:        []string{"*"},
}

// projectRoles reads the stack roles of Cloud application_roles from the
// project they apply to. What it cannot read, and what the project does not
// define, is judged as unreadableRole and noted, so the prompt can say why.
type projectRoles struct {
	c *toolkit.Call

	mu         sync.Mutex
	unreadable map[string]bool // "role in where"
	undefined  map[string]bool
}

func newProjectRoles(c *toolkit.Call) *projectRoles {
	return &projectRoles{c: c, unreadable: map[string]bool{}, undefined: map[string]bool{}}
}

func (r *projectRoles) Roles(ctx context.Context, project string, names []string) (map[string]policy.Role, error) {
	var roles map[string]policy.Role
	ok := false
	if project == policy.AnyProject {
		roles, ok = r.everyProject(ctx, names)
	} else {
		roles, ok = r.oneProject(ctx, project, names)
	}
	where := "every project"
	if project != policy.AnyProject && project != "" {
		where = project
	}
	out := map[string]policy.Role{}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range names {
		if role, defined := roles[n]; ok && defined {
			out[n] = role
			continue
		}
		// Unreadable, or not defined there yet: whatever it is (or is
		// later defined as) applies to the principal.
		out[n] = unreadableRole
		if ok {
			r.undefined[n+" in "+where] = true
		} else {
			r.unreadable[n+" in "+where] = true
		}
	}
	return out, nil
}

// oneProject reads the roles from a Serverless project's Elasticsearch.
func (r *projectRoles) oneProject(ctx context.Context, project string, names []string) (map[string]policy.Role, bool) {
	if project == "" || r.c.Env.Stack == nil {
		return nil, false
	}
	t, err := r.c.Env.Stack.Resolve(ctx, project)
	if err != nil || t.Project == nil {
		return nil, false // a deployment, or a project the server cannot reach
	}
	roles, err := readPolicyRoles(ctx, t.ES, names)
	return roles, err == nil
}

// everyProject judges a role granted on every project, current and future,
// by its most powerful definition among the current projects: a role that
// is superuser-like anywhere counts as superuser-like. It fails when any
// project cannot be read.
func (r *projectRoles) everyProject(ctx context.Context, names []string) (map[string]policy.Role, bool) {
	if r.c.Env.Cloud == nil {
		return nil, false
	}
	projects, err := r.c.Env.Cloud.ListAllProjects(ctx)
	if err != nil || len(projects) == 0 {
		return nil, false
	}
	out := map[string]policy.Role{}
	for _, p := range projects {
		roles, ok := r.oneProject(ctx, p.ID, names)
		if !ok {
			return nil, false
		}
		for name, role := range roles {
			if _, seen := out[name]; !seen || superuserLike(name, role) {
				out[name] = role
			}
		}
	}
	return out, true
}

func superuserLike(name string, role policy.Role) bool {
	p, err := policy.NewPermission(policy.NamedRole{Name: name, Role: role})
	return err == nil && p.SuperuserLike()
}

// note says which stack roles were judged without their definition.
func (r *projectRoles) note() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var parts []string
	if len(r.unreadable) > 0 {
		parts = append(parts, "The definition of stack role(s) "+strings.Join(sortedSet(r.unreadable), ", ")+
			" could not be read here, so they are judged as able to do anything.")
	}
	if len(r.undefined) > 0 {
		parts = append(parts, "Stack role(s) "+strings.Join(sortedSet(r.undefined), ", ")+
			" are not defined there yet; whoever defines them decides what they grant, so they are judged as able to do anything.")
	}
	return strings.Join(parts, " ")
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
