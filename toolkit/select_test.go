package toolkit

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

func fakeCatalog() []Tool {
	mk := func(name string, toolset Toolset, tier Tier) Tool {
		return Define(Spec{Name: name, Toolset: toolset, Tier: tier}, func(context.Context, *Call, struct{}) (struct{}, error) { return struct{}{}, nil })
	}
	return []Tool{
		mk("list_org_members", ToolsetOrg, Read),
		mk("invite_org_members", ToolsetOrg, Write),
		mk("remove_org_members", ToolsetOrg, Destructive),
		mk("get_roles", ToolsetRoles, Read),
		mk("put_role", ToolsetRoles, Write),
		mk("delete_roles", ToolsetRoles, Destructive),
		mk("whoami", ToolsetDiagnostics, Read),
	}
}

var allPlanes = map[Plane]bool{PlaneCloud: true, PlaneElasticsearch: true, PlaneKibana: true}

func names(ts []Tool) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Name)
	}
	return out
}

func TestSelectionRules(t *testing.T) {
	cases := []struct {
		name string
		sel  Selection
		want []string
	}{
		{"read-only by default", Selection{Planes: allPlanes}, []string{"list_org_members", "get_roles", "whoami"}},
		{"writes", Selection{AllowWrites: true, Planes: allPlanes}, []string{"list_org_members", "invite_org_members", "get_roles", "put_role", "whoami"}},
		{"destructive implies writes", Selection{AllowDestructive: true, Planes: allPlanes}, names(fakeCatalog())},
		{"toolsets keep whoami", Selection{Toolsets: []string{"roles"}, AllowWrites: true, Planes: allPlanes}, []string{"get_roles", "put_role", "whoami"}},
		{"exclude wins over tools", Selection{Tools: []string{"get_roles", "whoami"}, ExcludeTools: []string{"get_roles"}, Planes: allPlanes}, []string{"whoami"}},
		{"exclude wins over tier", Selection{AllowDestructive: true, ExcludeTools: []string{"delete_roles", "remove_org_members"}, Planes: allPlanes},
			[]string{"list_org_members", "invite_org_members", "get_roles", "put_role", "whoami"}},
		{"tools list ignores toolsets filter", Selection{Tools: []string{"list_org_members"}, Toolsets: []string{"roles"}, Planes: allPlanes}, []string{"list_org_members"}},
		{"no cloud credentials", Selection{Planes: map[Plane]bool{PlaneElasticsearch: true}}, []string{"get_roles", "whoami"}},
		{"cloud only still reaches projects", Selection{Planes: map[Plane]bool{PlaneCloud: true}}, []string{"list_org_members", "get_roles", "whoami"}},
		{"nothing configured", Selection{}, []string{"whoami"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := Select(fakeCatalog(), tc.sel)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(names(got), tc.want) {
				t.Fatalf("got %v, want %v", names(got), tc.want)
			}
		})
	}
}

func TestSelectionErrors(t *testing.T) {
	cases := []struct {
		name string
		sel  Selection
		want string
	}{
		{"unknown toolset", Selection{Toolsets: []string{"rolez"}}, `unknown toolset "rolez"`},
		{"unknown tool", Selection{Tools: []string{"get_rolez"}}, `unknown tool "get_rolez"`},
		{"unknown excluded tool", Selection{ExcludeTools: []string{"nope"}}, `unknown tool "nope"`},
		{"write tool without writes", Selection{Tools: []string{"put_role"}}, "--allow-writes"},
		{"destructive tool without destructive", Selection{Tools: []string{"delete_roles"}, AllowWrites: true}, "--allow-destructive"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Select(fakeCatalog(), tc.sel)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestSelectionReportExplainsInactiveToolsets(t *testing.T) {
	_, rep, err := Select(fakeCatalog(), Selection{Planes: map[Plane]bool{PlaneElasticsearch: true}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Tier != "read-only" {
		t.Fatalf("tier %q", rep.Tier)
	}
	if !strings.Contains(rep.Inactive[ToolsetOrg.Name], "EC_API_KEY") {
		t.Fatalf("org inactive reason %q should name the missing credential", rep.Inactive[ToolsetOrg.Name])
	}
	if !reflect.DeepEqual(rep.Active, []string{ToolsetRoles.Name, ToolsetDiagnostics.Name}) {
		t.Fatalf("active %v", rep.Active)
	}
}
