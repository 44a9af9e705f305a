package tools

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// ProjectArg is the `project` argument of every Elasticsearch tool: which
// Serverless project to act on instead of the configured cluster.
type ProjectArg struct {
	Project string `json:"project,omitempty" jsonschema:"Serverless project"`
}

// esTarget resolves the target of a tool call and returns a context whose
// requests carry one X-Opaque-Id for the whole call.
func esTarget(ctx context.Context, c *toolkit.Call, project string) (*toolkit.StackTarget, context.Context, error) {
	if c.Env.Stack == nil {
		return nil, ctx, toolkit.Unavailable("set ELASTICSEARCH_URL and credentials, or EC_API_KEY", "No Elasticsearch is configured.")
	}
	t, err := c.Env.Stack.Resolve(ctx, project)
	if err != nil {
		return nil, ctx, err
	}
	ctx = esapi.WithOpaqueID(ctx, esapi.NewOpaqueID(c.Tool.Name))
	if t.Project != nil {
		c.Target("project:" + t.Project.ID)
	}
	return t, ctx, nil
}

// stackFail turns an upstream error into one the agent can act on, adding what
// only the target knows: a Cloud API key rejected by a project usually lacks
// application_roles for it.
func stackFail(t *toolkit.StackTarget, err error) error {
	if err == nil {
		return nil
	}
	var ee *esapi.Error
	if t.CloudKey && errors.As(err, &ee) && (ee.Status == http.StatusUnauthorized || ee.Status == http.StatusForbidden) {
		if d, ok := parseDenial(ee); ok && ee.Status == http.StatusForbidden && len(d.roles) > 0 {
			// The key has stack access here (its application_roles became
			// these roles); what it lacks is one privilege, not access.
			return toolkit.UpstreamFailure(err, d.next(t),
				"Upstream error %s. The Elastic Cloud API key has stack access to this %s (application_roles: %s), but none of them grants %s.", ee.Summary(), t.Label(), strings.Join(d.roles, ", "), d.missing())
		}
		return toolkit.UpstreamFailure(err, "create a Cloud API key with stack access to this project (create_cloud_api_key with stack_access), or set ELASTICSEARCH_API_KEY to a key created in the project",
			"Upstream error %s. The %s was called with the Elastic Cloud API key, which works in a project only when the key has application_roles (stack access) for it.", ee.Summary(), t.Label())
	}
	return err
}

// requireStack refuses features Serverless lacks (native users, role
// mappings) before any call, pointing to the Cloud tools instead.
func requireStack(ctx context.Context, t *toolkit.StackTarget, feature string) error {
	if t.Flavor(ctx) != esapi.FlavorServerless {
		return nil
	}
	return toolkit.Unavailable("on Serverless, people are Elastic Cloud organization members: invite them with invite_org_members and give them a project role or a custom role with assign_project_custom_role (create the role first with put_role)",
		"%s do not exist on Elasticsearch Serverless (%s).", feature, t.Label())
}

// deleteNames asks the person to approve deleting names (of one kind:
// "role", "user", "role_mapping"), then deletes them in order. A failure
// reports the deletions already made; a name that disappeared meanwhile is
// reported as not found (in a dry run nothing is sent, so nothing is).
func deleteNames(ctx context.Context, c *toolkit.Call, t *toolkit.StackTarget, kind string, names []string, message string,
	del func(context.Context, string) (bool, error)) (deleted, notFound []string, err error) {
	for _, n := range names {
		c.Target(kind + ":" + n)
	}
	if err := c.Confirm(ctx, toolkit.Confirmation{Target: kind + "s:" + strings.Join(names, ","), Message: message}); err != nil {
		return nil, nil, err
	}
	var done []string
	for _, n := range names {
		found, err := del(ctx, n)
		if err != nil {
			return deleted, notFound, toolkit.PartialFailure(stackFail(t, err), done)
		}
		if !found && !c.DryRun() {
			notFound = append(notFound, n)
			continue
		}
		deleted = append(deleted, n)
		done = append(done, "deleted "+strings.ReplaceAll(kind, "_", " ")+" "+n)
	}
	return deleted, notFound, nil
}

// denial is what an Elasticsearch 403 says about the missing privilege
// ("action [a] is unauthorized for user [u] with effective roles [r], this
// action is granted by the cluster privileges [p,q]").
type denial struct {
	action string
	roles  []string
	privs  []string
	kind   string // "cluster" or "index"
}

func parseDenial(ee *esapi.Error) (denial, bool) {
	var d denial
	msg := ee.Reason
	bracket := func(after string) (string, bool) {
		_, rest, ok := strings.Cut(msg, after)
		if !ok {
			return "", false
		}
		v, _, ok := strings.Cut(rest, "]")
		return v, ok
	}
	list := func(v string) []string {
		var out []string
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	action, ok := bracket("action [")
	if !ok {
		return d, false
	}
	d.action = action
	if v, ok := bracket("with effective roles ["); ok {
		d.roles = list(v)
	} else if v, ok := bracket("with roles ["); ok {
		d.roles = list(v)
	}
	for _, kind := range []string{"cluster", "index"} {
		if v, ok := bracket("granted by the " + kind + " privileges ["); ok {
			d.privs, d.kind = list(v), kind
		}
	}
	return d, true
}

func (d denial) missing() string {
	if len(d.privs) == 0 {
		return "the action " + d.action
	}
	return fmt.Sprintf("the %s privilege %s (action %s)", d.kind, strings.Join(d.privs, " or "), d.action)
}

func (d denial) next(t *toolkit.StackTarget) string {
	priv := "the privilege"
	if len(d.privs) > 0 {
		priv = d.privs[0]
	}
	where := "this project"
	if t.Project != nil {
		where = "project " + t.Project.Name
	}
	return fmt.Sprintf("the key's stack roles cannot be changed: create a Cloud API key whose stack access on %s is a role granting %s (create_cloud_api_key with stack_access admin, or a custom role defined with put_role), or ask the person to run this call themselves", where, priv)
}
