package tools

import (
	"context"
	"slices"
	"strings"

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

// unknownKibanaSpaces returns the space ids (other than "*") that the
// target's Kibana does not have, for roles that name spaces: Kibana stores
// a role with a misspelt space, which then grants nothing. With no Kibana
// known it checks nothing.
func unknownKibanaSpaces(ctx context.Context, t *toolkit.StackTarget, ids []string) ([]string, error) {
	if t.Kibana == nil {
		return nil, nil
	}
	var want []string
	for _, id := range ids {
		if id != "*" && !slices.Contains(want, id) {
			want = append(want, id)
		}
	}
	if len(want) == 0 {
		return nil, nil
	}
	spaces, err := t.Kibana.ListSpaces(ctx)
	if err != nil {
		return nil, stackFail(t, err)
	}
	var unknown []string
	for _, id := range want {
		if !slices.ContainsFunc(spaces, func(s esapi.KibanaSpace) bool { return s.ID == id }) {
			unknown = append(unknown, id)
		}
	}
	return unknown, nil
}

// checkKibanaSpaces refuses space ids the target's Kibana does not have.
func checkKibanaSpaces(ctx context.Context, t *toolkit.StackTarget, ids []string) error {
	unknown, err := unknownKibanaSpaces(ctx, t, ids)
	if err != nil || len(unknown) == 0 {
		return err
	}
	return toolkit.InvalidArgs("unknown Kibana spaces %s; call list_kibana_spaces for the ids, or use \"*\" for every space", strings.Join(unknown, ", "))
}

// grantedSpaces lists the space ids of Kibana grants.
func grantedSpaces(kib []esapi.KibanaPrivileges) []string {
	var out []string
	for _, k := range kib {
		out = append(out, k.Spaces...)
	}
	return out
}
