package tools

import (
	"context"
	"strings"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/cloudapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// ListProjectsInput filters projects.
type ListProjectsInput struct {
	Name string `json:"name,omitempty"`
	Type string `json:"type,omitempty" jsonschema:"only this type" validate:"omitempty,oneof=elasticsearch observability security"`
}

// ListProjectsOutput lists projects.
type ListProjectsOutput struct {
	Projects []ProjectView `json:"projects"`
}

// ProjectView is one Serverless project.
type ProjectView struct {
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	Type      string            `json:"type"`
	Region    string            `json:"region"`
	Alias     string            `json:"alias,omitempty"`
	CreatedAt *time.Time        `json:"created_at,omitempty"`
	Endpoints map[string]string `json:"endpoints,omitempty" jsonschema:"service URLs: elasticsearch, kibana, and apm or ingest by type"`
}

func listProjectsTool() toolkit.Tool { return toolkit.Define(listProjectsSpec, listProjects) }

var listProjectsSpec = toolkit.Spec{
	Name:    "list_projects",
	Title:   "List Serverless projects",
	Toolset: toolkit.ToolsetOrg,
	Tier:    toolkit.Read,
	Description: "List Serverless projects (id, name, type, region, endpoints). Call first to turn a project name into the id " +
		"and type other tools need.",
}

func listProjects(ctx context.Context, c *toolkit.Call, in ListProjectsInput) (ListProjectsOutput, error) {
	out := ListProjectsOutput{Projects: []ProjectView{}}
	cc, err := cloudClient(c)
	if err != nil {
		return out, err
	}
	types := cloudapi.ProjectTypes
	if in.Type != "" {
		types = []string{in.Type}
	}
	f := strings.ToLower(strings.TrimSpace(in.Name))
	for _, t := range types {
		ps, err := cc.ListProjects(ctx, t)
		if err != nil {
			return out, cloudErr(err, "list the "+t+" projects")
		}
		for _, p := range ps {
			if f != "" && !strings.Contains(strings.ToLower(p.Name), f) && !strings.Contains(strings.ToLower(p.Alias), f) {
				continue
			}
			v := ProjectView{ID: p.ID, Name: p.Name, Type: p.Type, Region: p.RegionID, Alias: p.Alias, Endpoints: p.Endpoints}
			if !p.Metadata.CreatedAt.IsZero() {
				t := p.Metadata.CreatedAt
				v.CreatedAt = &t
			}
			out.Projects = append(out.Projects, v)
		}
	}
	return out, nil
}
