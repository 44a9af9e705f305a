package tools

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// ProjectArg is the `project` argument of every Elasticsearch tool: which
// Serverless project to act on instead of the configured cluster.
type ProjectArg struct {
	Project string `json:"project,omitempty" jsonschema:"Serverless project id or name"`
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
