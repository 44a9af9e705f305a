package surface_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/prompts"
	"github.com/elastic-access-mcp/elastic-access-mcp/resources"
	"github.com/elastic-access-mcp/elastic-access-mcp/source"
	"github.com/elastic-access-mcp/elastic-access-mcp/surface"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// eras are the protocol generations every test runs under.
var eras = []struct {
	name    string
	version string
}{
	{"2025-11-25", mcp.LATEST_LEGACY_PROTOCOL_VERSION},
	{"2026-07-28", mcp.LATEST_PROTOCOL_VERSION},
}

func demoSource() *source.Static {
	return &source.Static{
		FlavorName: "stack",
		Projects: []source.Project{
			{ID: "p-search-1", Name: "search-demo", Alias: "search-demo-a1b2", Type: "elasticsearch",
				Endpoints: map[string]string{"elasticsearch": "https://search-demo.es.example.com", "kibana": "https://search-demo.kb.example.com"}},
			{ID: "p-sec-1", Name: "sec-demo", Type: "security",
				// A Source that forgot to strip credentials: the resource must not leak them.
				Endpoints: map[string]string{"elasticsearch": "https://elastic:hunter2-pass@sec-demo.es.example.com/?token=abc"}},
		},
		Roles:    []string{"logs-reader", "logs-writer", "metrics-reader", "superuser"},
		Users:    []string{"alice", "bob", "ci-bot"},
		Members:  []string{"alice@example.com", "bob@example.com", "carol@example.com"},
		Spaces:   []source.Space{{ID: "default", Name: "Default"}, {ID: "marketing", Name: "Marketing"}},
		Features: []source.Feature{{ID: "discover", Name: "Discover", Privileges: []string{"all", "read"}}},
	}
}

func connect(t *testing.T, src source.Source, version string, opts prompts.Options) *client.Client {
	t.Helper()
	s := server.NewMCPServer("test", "0", surface.Options(src)...)
	surface.Register(s, src, opts)
	c, err := client.NewInProcessClientWithOptions(s, client.WithProtocolVersion(version))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	var ir mcp.InitializeRequest
	ir.Params.ProtocolVersion = version
	ir.Params.ClientInfo = mcp.Implementation{Name: "surface-test", Version: "0"}
	res, err := c.Initialize(ctx, ir)
	if err != nil {
		t.Fatal(err)
	}
	if res.ProtocolVersion != version {
		t.Fatalf("negotiated %s, want %s", res.ProtocolVersion, version)
	}
	if res.Capabilities.Prompts == nil || res.Capabilities.Resources == nil || res.Capabilities.Completions == nil {
		t.Fatalf("capabilities missing: %+v", res.Capabilities)
	}
	return c
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// sampleArgs fills every argument of p with a plausible value.
func sampleArgs(p prompts.Prompt, requiredOnly bool) map[string]string {
	out := map[string]string{}
	for _, a := range p.Args {
		if requiredOnly && !a.Required {
			continue
		}
		switch {
		case len(a.Choices) > 0:
			out[a.Name] = a.Choices[len(a.Choices)-1]
		case a.Kind == source.KindMember || a.Name == "email":
			out[a.Name] = "alice@example.com"
		case a.Name == "expiration":
			out[a.Name] = "7d"
		case a.Kind == source.KindProject:
			out[a.Name] = "search-demo"
		default:
			out[a.Name] = "value-of-" + a.Name
		}
	}
	return out
}

func promptText(t *testing.T, res *mcp.GetPromptResult) string {
	t.Helper()
	var b strings.Builder
	for _, m := range res.Messages {
		tc, ok := m.Content.(mcp.TextContent)
		if !ok {
			t.Fatalf("prompt message is %T, want text", m.Content)
		}
		b.WriteString(tc.Text)
	}
	return b.String()
}

func TestPromptsListedAndFetched(t *testing.T) {
	for _, era := range eras {
		t.Run(era.name, func(t *testing.T) {
			c := connect(t, demoSource(), era.version, prompts.Options{})
			list, err := c.ListPrompts(ctx(t), mcp.ListPromptsRequest{})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, p := range list.Prompts {
				names = append(names, p.Name)
			}
			for _, p := range prompts.All() {
				if !slices.Contains(names, p.Name) {
					t.Fatalf("prompt %s not listed; listed %v", p.Name, names)
				}
				listed := list.Prompts[slices.Index(names, p.Name)]
				if len(listed.Arguments) != len(p.Args) {
					t.Fatalf("%s lists %d arguments, declares %d", p.Name, len(listed.Arguments), len(p.Args))
				}
				for i, a := range listed.Arguments {
					if a.Name != p.Args[i].Name || a.Required != p.Args[i].Required || a.Description == "" {
						t.Fatalf("%s argument %d listed as %+v", p.Name, i, a)
					}
				}
				for _, requiredOnly := range []bool{true, false} {
					args := sampleArgs(p, requiredOnly)
					var req mcp.GetPromptRequest
					req.Params.Name, req.Params.Arguments = p.Name, args
					res, err := c.GetPrompt(ctx(t), req)
					if err != nil {
						t.Fatalf("%s(%v): %v", p.Name, args, err)
					}
					text := promptText(t, res)
					for _, v := range args {
						if !strings.Contains(text, v) {
							t.Errorf("%s: text does not use the argument value %q:\n%s", p.Name, v, text)
						}
					}
					if strings.Contains(text, "{") && strings.Contains(text, "}") {
						for _, a := range p.Args {
							if strings.Contains(text, "{"+a.Name+"}") {
								t.Errorf("%s: placeholder {%s} left in the text", p.Name, a.Name)
							}
						}
					}
					if !strings.Contains(text, "1. ") || !strings.Contains(text, "2. ") {
						t.Errorf("%s: text has no numbered steps:\n%s", p.Name, text)
					}
				}
			}
		})
	}
}

func TestPromptArgumentErrors(t *testing.T) {
	for _, era := range eras {
		t.Run(era.name, func(t *testing.T) {
			c := connect(t, demoSource(), era.version, prompts.Options{})
			get := func(name string, args map[string]string) error {
				var req mcp.GetPromptRequest
				req.Params.Name, req.Params.Arguments = name, args
				_, err := c.GetPrompt(ctx(t), req)
				return err
			}
			for _, p := range prompts.All() {
				for _, a := range p.Args {
					if !a.Required {
						continue
					}
					args := sampleArgs(p, false)
					delete(args, a.Name)
					err := get(p.Name, args)
					if err == nil || !strings.Contains(err.Error(), "needs the argument "+a.Name) {
						t.Errorf("%s without %s: got %v, want an error naming the argument", p.Name, a.Name, err)
					}
					args[a.Name] = "   "
					if err := get(p.Name, args); err == nil {
						t.Errorf("%s with blank %s: no error", p.Name, a.Name)
					}
				}
			}
			err := get(prompts.MapExternalGroup, map[string]string{"realm_type": "kerberos", "group": "g", "roles": "r"})
			if err == nil || !strings.Contains(err.Error(), "saml, ldap") {
				t.Errorf("closed set not enforced: %v", err)
			}
			err = get(prompts.CICDCloudKey, map[string]string{"purpose": "ci", "expiration": "forever"})
			if err == nil || !strings.Contains(err.Error(), "12h, 1d or 7d") {
				t.Errorf("bad expiration accepted: %v", err)
			}
			err = get(prompts.ReviewAccess, map[string]string{"scop": "all"})
			if err == nil || !strings.Contains(err.Error(), "no argument scop") {
				t.Errorf("unknown argument not refused: %v", err)
			}
		})
	}
}

// The text follows the arguments: a predefined role takes the predefined
// path and never the custom-role tool, and the other way round.
func TestGrantProjectAccessPicksThePath(t *testing.T) {
	c := connect(t, demoSource(), mcp.LATEST_PROTOCOL_VERSION, prompts.Options{})
	text := func(role string) string {
		var req mcp.GetPromptRequest
		req.Params.Name = prompts.GrantProjectAccess
		req.Params.Arguments = map[string]string{"email": "bob@example.com", "project": "sec-demo", "role": role}
		res, err := c.GetPrompt(ctx(t), req)
		if err != nil {
			t.Fatal(err)
		}
		return promptText(t, res)
	}
	for _, role := range []string{"viewer", "security-t1-analyst", "t1_analyst"} {
		got := text(role)
		if !strings.Contains(got, "assign_cloud_roles") || strings.Contains(got, "assign_project_custom_role") {
			t.Errorf("predefined role %s: wrong path:\n%s", role, got)
		}
	}
	got := text("logs-reader")
	if !strings.Contains(got, "assign_project_custom_role") || strings.Contains(got, "assign_cloud_roles") {
		t.Errorf("custom role: wrong path:\n%s", got)
	}
}

// A server without a prompt's required tools does not offer it, and optional
// steps whose tool is missing are left out of the text.
func TestPromptsFollowTheToolCatalog(t *testing.T) {
	readOnly := map[string]bool{"whoami": true, "access_review": true, "list_org_members": true,
		"list_org_invitations": true, "list_cloud_api_keys": true, "get_users": true, "get_roles": true,
		"get_role_mappings": true, "list_es_api_keys": true, "list_projects": true}
	c := connect(t, demoSource(), mcp.LATEST_PROTOCOL_VERSION, prompts.Options{HasTool: func(n string) bool { return readOnly[n] }})
	list, err := c.ListPrompts(ctx(t), mcp.ListPromptsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range list.Prompts {
		names = append(names, p.Name)
	}
	if !slices.Contains(names, prompts.ReviewAccess) || !slices.Contains(names, prompts.Troubleshoot403) {
		t.Fatalf("read-only prompts missing: %v", names)
	}
	if slices.Contains(names, prompts.OffboardPersonJob) || slices.Contains(names, prompts.CreateESUser) {
		t.Fatalf("prompts needing write tools offered on a read-only server: %v", names)
	}
	var req mcp.GetPromptRequest
	req.Params.Name = prompts.Troubleshoot403
	req.Params.Arguments = map[string]string{"error": "action [indices:data/read/search] is unauthorized"}
	res, err := c.GetPrompt(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	if text := promptText(t, res); strings.Contains(text, "explain_access") {
		t.Fatalf("optional step with a missing tool shown:\n%s", text)
	}
}

func readText(t *testing.T, c *client.Client, uri string) (string, error) {
	t.Helper()
	var req mcp.ReadResourceRequest
	req.Params.URI = uri
	res, err := c.ReadResource(ctx(t), req)
	if err != nil {
		return "", err
	}
	if len(res.Contents) != 1 {
		t.Fatalf("%s: %d contents", uri, len(res.Contents))
	}
	tc, ok := res.Contents[0].(mcp.TextResourceContents)
	if !ok {
		t.Fatalf("%s: contents are %T", uri, res.Contents[0])
	}
	if tc.MIMEType != "application/json" || !json.Valid([]byte(tc.Text)) {
		t.Fatalf("%s: not JSON (%s): %s", uri, tc.MIMEType, tc.Text)
	}
	return tc.Text, nil
}

func TestEveryResourceAndTemplateReads(t *testing.T) {
	for _, era := range eras {
		t.Run(era.name, func(t *testing.T) {
			c := connect(t, demoSource(), era.version, prompts.Options{})
			list, err := c.ListResources(ctx(t), mcp.ListResourcesRequest{})
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"elastic://privileges", "elastic://privileges/stack", "elastic://privileges/serverless",
				"elastic://cloud/roles", "elastic://cloud/roles/elasticsearch", "elastic://cloud/roles/observability",
				"elastic://cloud/roles/security", "elastic://projects", "elastic://kibana/spaces", "elastic://kibana/features"}
			var got []string
			for _, r := range list.Resources {
				got = append(got, r.URI)
				if r.Description == "" || r.MIMEType == "" {
					t.Errorf("%s lacks a description or MIME type", r.URI)
				}
				text, err := readText(t, c, r.URI)
				if err != nil {
					t.Errorf("read %s: %v", r.URI, err)
				}
				if leaksEndpointCredentials(text) {
					t.Errorf("%s leaks a credential: %s", r.URI, text)
				}
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("resources %v, want %v", got, want)
			}

			tl, err := c.ListResourceTemplates(ctx(t), mcp.ListResourceTemplatesRequest{})
			if err != nil {
				t.Fatal(err)
			}
			var templates []string
			for _, rt := range tl.ResourceTemplates {
				templates = append(templates, rt.URITemplate.Raw())
			}
			slices.Sort(templates)
			if want := []string{resources.URICloudRolesTemplate, resources.URIPrivilegesTemplate, resources.URIProjectTemplate}; !slices.Equal(templates, want) {
				t.Fatalf("templates %v, want %v", templates, want)
			}
			reads := map[string]string{
				"elastic://privileges/serverless":     `"manage_own_api_key"`,
				"elastic://cloud/roles/security":      `"security-t1-analyst"`,
				"elastic://projects/search-demo":      `"p-search-1"`,
				"elastic://projects/search-demo-a1b2": `"search-demo"`,
				"elastic://projects/p-sec-1":          `"sec-demo"`,
			}
			for uri, needle := range reads {
				text, err := readText(t, c, uri)
				if err != nil {
					t.Fatalf("read %s: %v", uri, err)
				}
				if !strings.Contains(text, needle) {
					t.Errorf("%s lacks %s: %s", uri, needle, text)
				}
				if leaksEndpointCredentials(text) {
					t.Errorf("%s leaks a credential: %s", uri, text)
				}
			}
			for uri, hint := range map[string]string{
				"elastic://projects/nope":          "elastic://projects",
				"elastic://cloud/roles/enterprise": "elasticsearch, observability or security",
				"elastic://privileges/cloud":       "elastic://privileges/stack",
			} {
				if _, err := readText(t, c, uri); err == nil || !strings.Contains(err.Error(), hint) {
					t.Errorf("%s: got %v, want an error saying %q", uri, err, hint)
				}
			}
		})
	}
}

func TestServerlessCatalogLeavesOutStackOnlyPrivileges(t *testing.T) {
	c := connect(t, demoSource(), mcp.LATEST_PROTOCOL_VERSION, prompts.Options{})
	stack, _ := readText(t, c, "elastic://privileges/stack")
	serverless, _ := readText(t, c, "elastic://privileges/serverless")
	for _, p := range []string{`"manage_ilm"`, `"grant_api_key"`, `"manage_follow_index"`} {
		if !strings.Contains(stack, p) {
			t.Errorf("stack catalog lacks %s", p)
		}
	}
	for _, p := range []string{`"grant_api_key"`, `"manage_saml"`, `"manage_follow_index"`} {
		if strings.Contains(serverless, p) {
			t.Errorf("serverless catalog offers %s", p)
		}
	}
}

func TestResourcesFollowConfiguredPlanes(t *testing.T) {
	src := &source.Static{Roles: []string{"r"}} // Elasticsearch only, flavour unknown
	c := connect(t, src, mcp.LATEST_PROTOCOL_VERSION, prompts.Options{})
	list, err := c.ListResources(ctx(t), mcp.ListResourcesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range list.Resources {
		if strings.HasPrefix(r.URI, "elastic://projects") || strings.HasPrefix(r.URI, "elastic://kibana") {
			t.Errorf("%s offered without Cloud or Kibana", r.URI)
		}
	}
	if _, err := readText(t, c, "elastic://privileges"); err == nil || !strings.Contains(err.Error(), "flavour") {
		t.Errorf("unknown flavour: got %v", err)
	}
}

func TestUpstreamFailureIsAClearError(t *testing.T) {
	src := demoSource()
	src.Err = errors.New("502 from https://elastic:hunter2-pass@api.example.com")
	c := connect(t, src, mcp.LATEST_PROTOCOL_VERSION, prompts.Options{})
	_, err := readText(t, c, "elastic://projects")
	if err == nil || !strings.Contains(err.Error(), "cannot list the Serverless projects") {
		t.Fatalf("got %v", err)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("error leaks a credential: %v", err)
	}
	// Completions degrade to no suggestions rather than an error.
	if got := complete(t, c, mcp.PromptReference{Type: "ref/prompt", Name: prompts.GrantProjectAccess}, "email", "a"); len(got.Values) != 0 {
		t.Fatalf("completions during an outage: %v", got.Values)
	}
	// Fixed suggestions still come.
	if got := complete(t, c, mcp.PromptReference{Type: "ref/prompt", Name: prompts.GrantProjectAccess}, "role", "ad"); !slices.Equal(got.Values, []string{"admin"}) {
		t.Fatalf("predefined role suggestions during an outage: %v", got.Values)
	}
}

func complete(t *testing.T, c *client.Client, ref any, arg, value string) mcp.Completion {
	t.Helper()
	var req mcp.CompleteRequest
	req.Params.Ref = ref
	req.Params.Argument = mcp.CompleteArgument{Name: arg, Value: value}
	res, err := c.Complete(ctx(t), req)
	if err != nil {
		t.Fatalf("complete %v %s=%q: %v", ref, arg, value, err)
	}
	return res.Completion
}

func TestCompletions(t *testing.T) {
	for _, era := range eras {
		t.Run(era.name, func(t *testing.T) {
			c := connect(t, demoSource(), era.version, prompts.Options{})
			prompt := func(name string) any { return mcp.PromptReference{Type: "ref/prompt", Name: name} }
			res := func(uri string) any { return mcp.ResourceReference{Type: "ref/resource", URI: uri} }
			cases := []struct {
				ref        any
				arg, value string
				want       []string
			}{
				{prompt(prompts.GrantProjectAccess), "email", "a", []string{"alice@example.com"}},
				{prompt(prompts.GrantProjectAccess), "role", "LOGS", []string{"logs-reader", "logs-writer"}},
				{prompt(prompts.GrantProjectAccess), "role", "vi", []string{"viewer"}},
				{prompt(prompts.GrantProjectAccess), "role", "t1", []string{"t1_analyst"}},
				{prompt(prompts.GrantProjectAccess), "project", "search", []string{"search-demo", "search-demo-a1b2"}},
				{prompt(prompts.GrantProjectAccess), "project", "p-", []string{"p-search-1", "p-sec-1"}},
				{prompt(prompts.CreateESUser), "username", "b", []string{"bob"}},
				{prompt(prompts.OffboardPersonJob), "identity", "b", []string{"bob", "bob@example.com"}},
				{prompt(prompts.OffboardPersonJob), "native_user", "", []string{"disable", "delete"}},
				{prompt(prompts.MapExternalGroup), "realm_type", "s", []string{"saml"}},
				{prompt(prompts.GrantProjectAccess), "no_such_arg", "", []string{}},
				{prompt("no_such_prompt"), "email", "", []string{}},
				{res(resources.URIProjectTemplate), "name", "sec", []string{"sec-demo"}},
				{res(resources.URICloudRolesTemplate), "project_type", "o", []string{"observability"}},
				{res(resources.URIPrivilegesTemplate), "flavor", "", []string{"stack", "serverless"}},
			}
			for _, tc := range cases {
				got := complete(t, c, tc.ref, tc.arg, tc.value)
				if !slices.Equal(got.Values, tc.want) {
					t.Errorf("%v %s=%q: got %v, want %v", tc.ref, tc.arg, tc.value, got.Values, tc.want)
				}
			}
		})
	}
}

func TestCompletionsAreBounded(t *testing.T) {
	src := demoSource()
	for i := range 250 {
		src.Members = append(src.Members, fmt.Sprintf("user%03d@example.com", i))
	}
	c := connect(t, src, mcp.LATEST_PROTOCOL_VERSION, prompts.Options{})
	got := complete(t, c, mcp.PromptReference{Type: "ref/prompt", Name: prompts.GrantProjectAccess}, "email", "user")
	if len(got.Values) != 100 || got.Total != 250 || !got.HasMore {
		t.Fatalf("got %d values, total %d, hasMore %v", len(got.Values), got.Total, got.HasMore)
	}
}

// leaksEndpointCredentials reports userinfo or a query left in the demo's
// credential-bearing endpoint: endpoints are served bare, not merely masked.
func leaksEndpointCredentials(text string) bool {
	return strings.Contains(text, "hunter2") || strings.Contains(text, "@sec-demo") || strings.Contains(text, "token=")
}

// A secret pasted into a prompt argument is not echoed back to the model.
func TestPromptTextIsRedacted(t *testing.T) {
	const key = "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=="
	for _, era := range eras {
		c := connect(t, demoSource(), era.version, prompts.Options{})
		var req mcp.GetPromptRequest
		req.Params.Name = prompts.Troubleshoot403
		req.Params.Arguments = map[string]string{"error": "curl -H 'Authorization: ApiKey " + key + "' gives 403", "principal": "ci-bot"}
		res, err := c.GetPrompt(ctx(t), req)
		if err != nil {
			t.Fatal(err)
		}
		text := promptText(t, res)
		if strings.Contains(text, key) || strings.Contains(text, key[:20]) {
			t.Fatalf("%s: the API key reached the prompt text:\n%s", era.name, text)
		}
		if !strings.Contains(text, "gives 403") {
			t.Fatalf("%s: the rest of the argument was lost:\n%s", era.name, text)
		}
	}
}

// On a server connected to one plane, cross-plane jobs are offered with only
// the steps that plane's tools can do.
func TestCrossPlanePromptsShowTheConnectedPlaneOnly(t *testing.T) {
	cloudOnly := map[string]bool{"whoami": true, "list_org_members": true, "list_org_invitations": true,
		"list_cloud_api_keys": true, "remove_org_members": true, "cancel_org_invitations": true, "delete_cloud_api_keys": true}
	esOnly := map[string]bool{"whoami": true, "access_review": true, "get_users": true, "get_roles": true,
		"list_es_api_keys": true, "get_role_mappings": true, "set_user_enabled": true, "delete_users": true, "invalidate_es_api_keys": true}
	args := map[string]map[string]string{
		prompts.ReviewAccess:      nil,
		prompts.Troubleshoot403:   {"error": "403", "principal": "bob"},
		prompts.OffboardPersonJob: {"identity": "bob@example.com"},
	}
	expect := map[string]map[string]string{ // plane -> prompt -> a step it must show
		"cloud":         {prompts.ReviewAccess: "list_org_members:", prompts.Troubleshoot403: "list_cloud_api_keys:", prompts.OffboardPersonJob: "remove_org_members:"},
		"elasticsearch": {prompts.ReviewAccess: "access_review:", prompts.Troubleshoot403: "get_roles:", prompts.OffboardPersonJob: "set_user_enabled:"},
	}
	all := []string{"access_review", "get_users", "get_roles", "set_user_enabled", "invalidate_es_api_keys",
		"list_org_members", "remove_org_members", "list_cloud_api_keys", "delete_cloud_api_keys"}
	for plane, tools := range map[string]map[string]bool{"cloud": cloudOnly, "elasticsearch": esOnly} {
		c := connect(t, demoSource(), mcp.LATEST_PROTOCOL_VERSION, prompts.Options{HasTool: func(n string) bool { return tools[n] }})
		for p, a := range args {
			var req mcp.GetPromptRequest
			req.Params.Name, req.Params.Arguments = p, a
			res, err := c.GetPrompt(ctx(t), req)
			if err != nil {
				t.Fatalf("%s-only server: %s not offered: %v", plane, p, err)
			}
			text := promptText(t, res)
			for _, tool := range all {
				if strings.Contains(text, tool+":") && !tools[tool] {
					t.Errorf("%s-only server: %s shows a step with %s:\n%s", plane, p, tool, text)
				}
			}
			if !strings.Contains(text, expect[plane][p]) {
				t.Errorf("%s-only server: %s lacks the step %s:\n%s", plane, p, expect[plane][p], text)
			}
		}
	}
}

// Once offboard_person is offered, the offboarding prompt uses it alone
// instead of the step-by-step path.
func TestOffboardingUsesTheOneStepToolWhenOffered(t *testing.T) {
	tools := map[string]bool{"offboard_person": true, "remove_org_members": true, "list_org_members": true, "set_user_enabled": true}
	c := connect(t, demoSource(), mcp.LATEST_PROTOCOL_VERSION, prompts.Options{HasTool: func(n string) bool { return tools[n] }})
	var req mcp.GetPromptRequest
	req.Params.Name = prompts.OffboardPersonJob
	req.Params.Arguments = map[string]string{"identity": "bob@example.com", "native_user": "delete"}
	res, err := c.GetPrompt(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	text := promptText(t, res)
	if !strings.Contains(text, "offboard_person:") || strings.Contains(text, "remove_org_members:") || strings.Contains(text, "set_user_enabled:") {
		t.Fatalf("offboarding text:\n%s", text)
	}
	if !strings.Contains(text, "native users delete") {
		t.Fatalf("the native-user choice is not passed on:\n%s", text)
	}
}

// Once the project is chosen, role suggestions are the predefined roles of
// its type next to the custom role names.
func TestRoleCompletionFollowsTheChosenProject(t *testing.T) {
	c := connect(t, demoSource(), mcp.LATEST_PROTOCOL_VERSION, prompts.Options{})
	completeIn := func(project, value string) []string {
		var req mcp.CompleteRequest
		req.Params.Ref = mcp.PromptReference{Type: "ref/prompt", Name: prompts.GrantProjectAccess}
		req.Params.Argument = mcp.CompleteArgument{Name: "role", Value: value}
		req.Params.Context = mcp.CompleteContext{Arguments: map[string]string{"project": project}}
		res, err := c.Complete(ctx(t), req)
		if err != nil {
			t.Fatal(err)
		}
		return res.Completion.Values
	}
	cases := []struct {
		project, value string
		want           []string
	}{
		{"sec-demo", "t", []string{"t1_analyst", "t2_analyst", "t3_analyst", "threat_intel_analyst"}},
		{"search-demo", "d", []string{"developer"}},
		{"search-demo", "e", []string{}}, // editor is not a Search project role
		{"p-sec-1", "e", []string{"editor", "endpoint_operations_analyst", "endpoint_policy_manager"}},
		{"search-demo", "logs-r", []string{"logs-reader"}}, // custom roles still come
		{"unknown-project", "ed", []string{"editor"}},      // unknown project: every predefined role
	}
	for _, tc := range cases {
		if got := completeIn(tc.project, tc.value); !slices.Equal(got, tc.want) {
			t.Errorf("project %s, role %q: got %v, want %v", tc.project, tc.value, got, tc.want)
		}
	}
}
