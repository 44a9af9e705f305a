package surface_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/cloudapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/prompts"
	"github.com/elastic-access-mcp/elastic-access-mcp/resources"
	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox"
	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/cloudemu"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
	"github.com/elastic-access-mcp/elastic-access-mcp/source"
	"github.com/mark3labs/mcp-go/mcp"
)

// upstreamFor is the Source the server will use, over clients pointed at sb.
func upstreamFor(t *testing.T, sb *sandbox.Sandbox) *source.Upstream {
	t.Helper()
	vars := map[string]string{}
	for _, kv := range sb.Vars() {
		vars[kv[0]] = kv[1]
	}
	cc, err := cloudapi.New(cloudapi.Config{BaseURL: vars["EC_BASE_URL"], APIKey: vars["EC_API_KEY"], Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	es, err := esapi.New(esapi.Config{URL: vars["ELASTICSEARCH_URL"], APIKey: vars["ELASTICSEARCH_API_KEY"]})
	if err != nil {
		t.Fatal(err)
	}
	return &source.Upstream{Cloud: cc, Elasticsearch: es}
}

// Every tool a prompt names exists in the server's full catalog, or is one
// of the announced upcoming tools (shown only once the server has it).
func TestPromptToolsExistInTheCatalog(t *testing.T) {
	h := servertest.New(t, servertest.Options{AllowWrites: true, AllowDestructive: true})
	for _, p := range prompts.All() {
		for _, tool := range p.Tools() {
			if !h.Server.HasTool(tool) && !slices.Contains(prompts.Upcoming, tool) {
				t.Errorf("prompt %s names %s, which the server does not have", p.Name, tool)
			}
		}
		for _, tool := range p.RequiredTools() {
			if !h.Server.HasTool(tool) {
				t.Errorf("prompt %s requires %s, which the server does not have", p.Name, tool)
			}
		}
	}
	if got := prompts.Offered(prompts.Options{HasTool: h.Server.HasTool}); len(got) != len(prompts.All()) {
		t.Errorf("a fully enabled server offers %d of %d prompts", len(got), len(prompts.All()))
	}
}

// The privilege catalogs name exactly the privileges Elasticsearch knows in
// each flavour (the emulator pins Elasticsearch 9's _builtin answer).
func TestPrivilegeCatalogMatchesElasticsearch(t *testing.T) {
	for _, flavor := range source.Flavors {
		t.Run(flavor, func(t *testing.T) {
			sb, err := sandbox.Start(sandbox.Options{Flavor: flavor})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(sb.Close)
			src := upstreamFor(t, sb)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if got := src.Flavor(ctx); got != flavor {
				t.Fatalf("flavour %q, want %q", got, flavor)
			}
			builtin, err := src.Elasticsearch.Builtin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			cat := resources.Privileges(flavor)
			names := func(ps []resources.Privilege) []string {
				var out []string
				for _, p := range ps {
					out = append(out, p.Name)
					if p.Meaning == "" {
						t.Errorf("%s has no meaning", p.Name)
					}
				}
				slices.Sort(out)
				return out
			}
			want := append([]string(nil), builtin.Cluster...)
			slices.Sort(want)
			if got := names(cat.Cluster); !slices.Equal(got, want) {
				t.Errorf("cluster privileges differ from Elasticsearch:\n got %v\nwant %v", got, want)
			}
			index := names(cat.Index)
			for _, n := range index {
				if !slices.Contains(builtin.Index, n) {
					t.Errorf("index privilege %s is not one Elasticsearch knows", n)
				}
			}
			if flavor == "stack" && len(index) != len(builtin.Index) {
				t.Errorf("stack index privileges %v, Elasticsearch has %v", index, builtin.Index)
			}
		})
	}
}

// Every role id in the Cloud catalog is one the Cloud API accepts for its
// scope and project type, in canonical form.
func TestCloudRoleCatalogIDsAreValid(t *testing.T) {
	for _, cat := range resources.CloudRoles("") {
		for _, r := range cat.Roles {
			canonical, ok := cloudemu.CanonicalRoleID(cat.Scope, cat.ProjectType, r.ID)
			if !ok || canonical != r.ID {
				t.Errorf("%s/%s role %s: canonical %q ok %v", cat.Scope, cat.ProjectType, r.ID, canonical, ok)
			}
			if r.Short != "" && cat.Scope == "project" {
				if c, ok := cloudemu.CanonicalRoleID(cat.Scope, cat.ProjectType, r.Short); !ok || c != r.ID {
					t.Errorf("short form %s of %s maps to %q", r.Short, r.ID, c)
				}
			}
		}
	}
}

// The Upstream source serves projects (without credentials in endpoints),
// roles, users and members from the sandbox, and completions and project
// resources read through it.
func TestUpstreamSourceOverTheSandbox(t *testing.T) {
	sb, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	src := upstreamFor(t, sb)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ps, err := src.ListProjects(ctx)
	if err != nil || len(ps) == 0 {
		t.Fatalf("projects %v, %v", ps, err)
	}
	for _, kind := range []source.Kind{source.KindRole, source.KindUser, source.KindMember} {
		vs, err := source.Values(ctx, src, kind)
		if err != nil || len(vs) == 0 {
			t.Fatalf("%s: %v, %v", kind, vs, err)
		}
	}
	if _, err := src.ListKibanaSpaces(ctx); err == nil {
		t.Fatal("spaces without a spaces reader should say not configured")
	}

	for _, era := range eras {
		c := connect(t, src, era.version, prompts.Options{})
		p := ps[0]
		got := complete(t, c, mcp.ResourceReference{Type: "ref/resource", URI: resources.URIProjectTemplate}, "name", p.Name[:3])
		if !slices.Contains(got.Values, p.Name) {
			t.Errorf("%s: completing %q gave %v", era.name, p.Name[:3], got.Values)
		}
		text, err := readText(t, c, "elastic://projects/"+p.ID)
		if err != nil || !strings.Contains(text, p.Name) {
			t.Errorf("%s: project resource %q, %v", era.name, text, err)
		}
		for _, secret := range sb.Secrets() {
			if secret != "" && strings.Contains(text, secret) {
				t.Errorf("project resource carries a sandbox secret")
			}
		}
		roles := complete(t, c, mcp.PromptReference{Type: "ref/prompt", Name: prompts.CreateESUser}, "username", "")
		if len(roles.Values) == 0 {
			t.Errorf("%s: no user completions from the sandbox", era.name)
		}
	}
}
