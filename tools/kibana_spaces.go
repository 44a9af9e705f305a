package tools

import (
	"context"

	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// ListKibanaSpacesInput selects the Kibana.
type ListKibanaSpacesInput struct {
	ProjectArg
}

// ListKibanaSpacesOutput lists Kibana spaces.
type ListKibanaSpacesOutput struct {
	Spaces []SpaceView `json:"spaces"`
}

// SpaceView is one Kibana space.
type SpaceView struct {
	ID          string `json:"id" jsonschema:"the id roles name in spaces"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

func listKibanaSpacesTool() toolkit.Tool {
	return toolkit.Define(listKibanaSpacesSpec, listKibanaSpaces)
}

var listKibanaSpacesSpec = toolkit.Spec{
	Name:        "list_kibana_spaces",
	Title:       "List Kibana spaces",
	Toolset:     toolkit.ToolsetRoles,
	Tier:        toolkit.Read,
	Description: "List Kibana spaces (id, name). Call before put_role for the space ids of Kibana privileges.",
}

func listKibanaSpaces(ctx context.Context, c *toolkit.Call, in ListKibanaSpacesInput) (ListKibanaSpacesOutput, error) {
	out := ListKibanaSpacesOutput{Spaces: []SpaceView{}}
	t, ctx, err := esTarget(ctx, c, in.Project)
	if err != nil {
		return out, err
	}
	kb, err := kibanaOf(t)
	if err != nil {
		return out, err
	}
	spaces, err := kb.ListSpaces(ctx)
	if err != nil {
		return out, stackFail(t, err)
	}
	for _, s := range spaces {
		out.Spaces = append(out.Spaces, SpaceView{ID: s.ID, Name: s.Name, Description: s.Description})
	}
	return out, nil
}

func kibanaOf(t *toolkit.StackTarget) (*esapi.KibanaClient, error) {
	if t.Kibana == nil {
		return nil, toolkit.Unavailable("set KIBANA_URL, or name a Serverless project (project argument)",
			"No Kibana is known for %s.", t.Label())
	}
	return t.Kibana, nil
}
