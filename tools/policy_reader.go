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
// project they apply to. What it cannot read is judged as unreadableRole
// and noted, so the prompt can say why.
type projectRoles struct {
	c *toolkit.Call

	mu         sync.Mutex
	unreadable map[string]bool // "role in where"
}

func newProjectRoles(c *toolkit.Call) *projectRoles {
	return &projectRoles{c: c, unreadable: map[string]bool{}}
}

func (r *projectRoles) Roles(ctx context.Context, project string, names []string) (map[string]policy.Role, error) {
	if project != "" && project != policy.AnyProject && r.c.Env.Stack != nil {
		if t, err := r.c.Env.Stack.Resolve(ctx, project); err == nil && t.Project != nil {
			if roles, err := readPolicyRoles(ctx, t.ES, names); err == nil {
				return roles, nil
			}
		}
	}
	where := "every project"
	if project != policy.AnyProject && project != "" {
		where = project
	}
	out := map[string]policy.Role{}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range names {
		out[n] = unreadableRole
		r.unreadable[n+" in "+where] = true
	}
	return out, nil
}

// note says which stack roles were judged without their definition.
func (r *projectRoles) note() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.unreadable) == 0 {
		return ""
	}
	var list []string
	for k := range r.unreadable {
		list = append(list, k)
	}
	sort.Strings(list)
	return "The definition of stack role(s) " + strings.Join(list, ", ") +
		" could not be read here, so they are judged as able to do anything."
}
