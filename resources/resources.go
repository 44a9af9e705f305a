// Package resources serves MCP resources an agent reads instead of guessing:
// the privilege catalog per Elasticsearch flavour, the Cloud role catalog per
// project type, the Serverless projects and their endpoints, and the Kibana
// spaces and features. Templates select one entry by a parameter.
package resources

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/elastic-access-mcp/elastic-access-mcp/completion"
	"github.com/elastic-access-mcp/elastic-access-mcp/redact"
	"github.com/elastic-access-mcp/elastic-access-mcp/source"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// URIs of the resources and templates.
const (
	URIPrivileges          = "elastic://privileges"
	URIPrivilegesTemplate  = "elastic://privileges/{flavor}"
	URICloudRoles          = "elastic://cloud/roles"
	URICloudRolesTemplate  = "elastic://cloud/roles/{project_type}"
	URIProjects            = "elastic://projects"
	URIProjectTemplate     = "elastic://projects/{name}"
	URIKibanaSpaces        = "elastic://kibana/spaces"
	URIKibanaFeatures      = "elastic://kibana/features"
	mimeJSON               = "application/json"
	privilegesFlavorPrefix = URIPrivileges + "/"
	cloudRolesTypePrefix   = URICloudRoles + "/"
	projectPrefix          = URIProjects + "/"
)

// Vocabularies are the completion vocabularies of the templates' parameters.
func Vocabularies() map[string]map[string]completion.Vocabulary {
	return map[string]map[string]completion.Vocabulary{
		URIPrivilegesTemplate: {"flavor": {Choices: source.Flavors}},
		URICloudRolesTemplate: {"project_type": {Choices: source.ProjectTypes}},
		URIProjectTemplate:    {"name": {Kind: source.KindProject}},
	}
}

// Register adds the resources and templates src can serve to s: the catalogs
// always, projects when Elastic Cloud is configured, spaces and features when
// Kibana is, the connected flavour's privileges when Elasticsearch is.
func Register(s *server.MCPServer, src source.Source) {
	r := &reader{src: src}
	for _, f := range source.Flavors {
		s.AddResource(mcp.NewResource(privilegesFlavorPrefix+f, "privileges-"+f,
			mcp.WithResourceTitle("Elasticsearch privileges ("+f+")"),
			mcp.WithResourceDescription("Cluster, index, run-as and Kibana privileges available on "+f+" Elasticsearch, each with its meaning; read before writing a role."),
			mcp.WithMIMEType(mimeJSON)), r.privileges)
	}
	s.AddResourceTemplate(mcp.NewResourceTemplate(URIPrivilegesTemplate, "privileges",
		mcp.WithTemplateTitle("Elasticsearch privileges by flavour"),
		mcp.WithTemplateDescription("Privilege catalog of one flavour: stack (self-managed, Elastic Cloud Hosted) or serverless."),
		mcp.WithTemplateMIMEType(mimeJSON)), r.privileges)
	if src.Configured(source.PlaneElasticsearch) {
		s.AddResource(mcp.NewResource(URIPrivileges, "privileges",
			mcp.WithResourceTitle("Privileges of the connected Elasticsearch"),
			mcp.WithResourceDescription("The privilege catalog of the flavour this server is connected to."),
			mcp.WithMIMEType(mimeJSON)), r.privileges)
	}

	s.AddResource(mcp.NewResource(URICloudRoles, "cloud-roles",
		mcp.WithResourceTitle("Elastic Cloud role ids"),
		mcp.WithResourceDescription("Every Cloud role id by scope (organization, deployment, project type) with its meaning and the rules for custom roles."),
		mcp.WithMIMEType(mimeJSON)), r.cloudRoles)
	for _, t := range source.ProjectTypes {
		s.AddResource(mcp.NewResource(cloudRolesTypePrefix+t, "cloud-roles-"+t,
			mcp.WithResourceTitle("Cloud roles of "+t+" projects"),
			mcp.WithResourceDescription("The predefined role ids of "+t+" Serverless projects."),
			mcp.WithMIMEType(mimeJSON)), r.cloudRoles)
	}
	s.AddResourceTemplate(mcp.NewResourceTemplate(URICloudRolesTemplate, "cloud-roles-by-type",
		mcp.WithTemplateTitle("Cloud roles by project type"),
		mcp.WithTemplateDescription("The predefined role ids of one Serverless project type: elasticsearch, observability or security."),
		mcp.WithTemplateMIMEType(mimeJSON)), r.cloudRoles)

	if src.Configured(source.PlaneCloud) {
		s.AddResource(mcp.NewResource(URIProjects, "projects",
			mcp.WithResourceTitle("Serverless projects"),
			mcp.WithResourceDescription("The organization's Serverless projects: id, name, alias, type, region and endpoints."),
			mcp.WithMIMEType(mimeJSON)), r.projects)
		s.AddResourceTemplate(mcp.NewResourceTemplate(URIProjectTemplate, "project",
			mcp.WithTemplateTitle("One Serverless project"),
			mcp.WithTemplateDescription("A Serverless project by name, alias or id, with its endpoints."),
			mcp.WithTemplateMIMEType(mimeJSON)), r.projects)
	}
	if src.Configured(source.PlaneKibana) {
		s.AddResource(mcp.NewResource(URIKibanaSpaces, "kibana-spaces",
			mcp.WithResourceTitle("Kibana spaces"),
			mcp.WithResourceDescription("The Kibana spaces (ids to use in role space lists)."),
			mcp.WithMIMEType(mimeJSON)), r.spaces)
		s.AddResource(mcp.NewResource(URIKibanaFeatures, "kibana-features",
			mcp.WithResourceTitle("Kibana features"),
			mcp.WithResourceDescription("The Kibana features roles grant privileges on, with their privilege names."),
			mcp.WithMIMEType(mimeJSON)), r.features)
	}
}

type reader struct{ src source.Source }

// param is a template parameter, or the last path segment of a concrete URI
// under prefix.
func param(req mcp.ReadResourceRequest, name, prefix string) string {
	if v, ok := req.Params.Arguments[name]; ok {
		switch v := v.(type) {
		case string:
			return v
		case []string:
			return strings.Join(v, ",")
		default:
			return fmt.Sprint(v)
		}
	}
	return strings.TrimPrefix(req.Params.URI, prefix)
}

func (r *reader) privileges(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
	flavor := ""
	if req.Params.URI == URIPrivileges {
		flavor = r.src.Flavor(ctx)
		if flavor == "" {
			return nil, errors.New("the flavour of the connected Elasticsearch is unknown (is it reachable? try whoami); read elastic://privileges/stack or elastic://privileges/serverless")
		}
	} else {
		flavor = param(req, "flavor", privilegesFlavorPrefix)
	}
	if !slices.Contains(source.Flavors, flavor) {
		return nil, fmt.Errorf("no privilege catalog for flavour %q: use elastic://privileges/stack or elastic://privileges/serverless", flavor)
	}
	return contents(req.Params.URI, Privileges(flavor))
}

func (r *reader) cloudRoles(_ context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
	if req.Params.URI == URICloudRoles {
		return contents(req.Params.URI, map[string]any{"catalogs": CloudRoles("")})
	}
	t := param(req, "project_type", cloudRolesTypePrefix)
	cat := CloudRoles(t)
	if cat == nil {
		return nil, fmt.Errorf("no project type %q: use elasticsearch, observability or security", t)
	}
	return contents(req.Params.URI, cat[0])
}

func (r *reader) projects(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
	ps, err := r.src.ListProjects(ctx)
	if err != nil {
		return nil, upstreamError("list the Serverless projects", err)
	}
	for i := range ps {
		ps[i].Endpoints = safeEndpoints(ps[i].Endpoints)
	}
	if req.Params.URI == URIProjects {
		return contents(req.Params.URI, map[string]any{"projects": ps})
	}
	name := param(req, "name", projectPrefix)
	p, ok := source.FindProject(ps, name)
	if !ok {
		return nil, fmt.Errorf("no Serverless project named %q: read elastic://projects for the names, aliases and ids", name)
	}
	return contents(req.Params.URI, p)
}

func (r *reader) spaces(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
	sp, err := r.src.ListKibanaSpaces(ctx)
	if err != nil {
		return nil, upstreamError("list the Kibana spaces", err)
	}
	return contents(req.Params.URI, map[string]any{"spaces": sp})
}

func (r *reader) features(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
	fs, err := r.src.ListKibanaFeatures(ctx)
	if err != nil {
		return nil, upstreamError("list the Kibana features", err)
	}
	return contents(req.Params.URI, map[string]any{"features": fs})
}

// safeEndpoints strips credentials from endpoints even when a Source forgot
// to: a URL with userinfo must never reach the client.
func safeEndpoints(in map[string]string) map[string]string {
	if in == nil {
		return nil
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		if safe := source.SafeURL(v); safe != "" {
			out[k] = safe
		}
	}
	return out
}

func upstreamError(what string, err error) error {
	msg, _ := redact.Default().Text(err.Error())
	if errors.Is(err, source.ErrNotConfigured) {
		return fmt.Errorf("cannot %s: the server is not connected to it (%s); see whoami", what, msg)
	}
	return fmt.Errorf("cannot %s: %s; try again, or check the connection with whoami", what, msg)
}

// contents is v as redacted JSON text.
func contents(uri string, v any) ([]mcp.ResourceContents, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	b, _ = redact.Default().JSON(b)
	return []mcp.ResourceContents{mcp.TextResourceContents{URI: uri, MIMEType: mimeJSON, Text: string(b)}}, nil
}
