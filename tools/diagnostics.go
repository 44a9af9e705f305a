package tools

import (
	"context"
	"sort"

	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// WhoamiInput takes no arguments.
type WhoamiInput struct{}

// WhoamiOutput says who the server acts as on each plane and what it may do.
type WhoamiOutput struct {
	Planes        []PlaneStatus  `json:"planes" jsonschema:"each upstream service and whether credentials for it are configured"`
	SafetyTier    string         `json:"safety_tier" jsonschema:"read-only, read-write or read-write-destructive"`
	Confirmation  string         `json:"confirmation" jsonschema:"how destructive and privilege-escalating calls are approved: elicit, param or none"`
	Toolsets      []ToolsetState `json:"toolsets" jsonschema:"every toolset, active or not, with the reason"`
	Cloud         *CloudIdentity `json:"cloud,omitempty"`
	Elasticsearch *StackIdentity `json:"elasticsearch,omitempty"`
}

// PlaneStatus is one upstream service.
type PlaneStatus struct {
	Plane      string `json:"plane"`
	Configured bool   `json:"configured"`
}

// ToolsetState is one toolset.
type ToolsetState struct {
	Toolset string `json:"toolset"`
	Active  bool   `json:"active"`
	Reason  string `json:"reason,omitempty"`
}

func whoamiTool() toolkit.Tool { return toolkit.Define(whoamiSpec, whoami) }

var whoamiSpec = toolkit.Spec{
	Name:    "whoami",
	Title:   "Who am I",
	Toolset: toolkit.ToolsetDiagnostics,
	Tier:    toolkit.Read,
	Description: "Report what this server is connected to, as whom, which toolsets are active and why. Call first, and when a " +
		"tool is missing or a call gets 401/403.",
}

func whoami(ctx context.Context, c *toolkit.Call, _ WhoamiInput) (WhoamiOutput, error) {
	env := c.Env
	out := WhoamiOutput{
		SafetyTier:   env.Selection.Tier,
		Confirmation: string(env.Confirm),
	}
	for _, p := range []toolkit.Plane{toolkit.PlaneCloud, toolkit.PlaneElasticsearch, toolkit.PlaneKibana} {
		out.Planes = append(out.Planes, PlaneStatus{Plane: string(p), Configured: env.Configured(p)})
	}
	active := map[string]bool{}
	for _, ts := range env.Selection.Active {
		active[ts] = true
	}
	for _, ts := range toolkit.Toolsets {
		st := ToolsetState{Toolset: ts.Name, Active: active[ts.Name]}
		if !st.Active {
			st.Reason = env.Selection.Inactive[ts.Name]
		}
		out.Toolsets = append(out.Toolsets, st)
	}
	sort.SliceStable(out.Toolsets, func(i, j int) bool { return out.Toolsets[i].Active && !out.Toolsets[j].Active })
	if env.Configured(toolkit.PlaneCloud) {
		out.Cloud = describeCloud(ctx, c)
	}
	if env.Configured(toolkit.PlaneElasticsearch) || env.Configured(toolkit.PlaneKibana) {
		out.Elasticsearch = describeStack(ctx, c)
	}
	return out, nil
}
