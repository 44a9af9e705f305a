package server_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/prompts"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
	"github.com/mark3labs/mcp-go/mcp"
)

// The real server serves every prompt its tools allow, every resource and
// template, and completions read from the connected sandbox.
func TestServerServesPromptsResourcesAndCompletions(t *testing.T) {
	h := servertest.New(t, servertest.Options{AllowWrites: true, AllowDestructive: true})
	ctx := context.Background()

	pl, err := h.Client.ListPrompts(ctx, mcp.ListPromptsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if want := len(prompts.Offered(prompts.Options{HasTool: h.Server.HasTool})); len(pl.Prompts) != want || want == 0 {
		t.Fatalf("prompts/list has %d prompts, want %d", len(pl.Prompts), want)
	}
	for _, p := range pl.Prompts {
		args := map[string]string{}
		for _, a := range p.Arguments {
			if a.Required {
				args[a.Name] = exampleArg(p.Name, a.Name)
			}
		}
		var req mcp.GetPromptRequest
		req.Params.Name, req.Params.Arguments = p.Name, args
		got, err := h.Client.GetPrompt(ctx, req)
		if err != nil {
			t.Errorf("prompts/get %s %v: %v", p.Name, args, err)
			continue
		}
		if len(got.Messages) == 0 {
			t.Errorf("prompt %s has no messages", p.Name)
		}
	}

	rl, err := h.Client.ListResources(ctx, mcp.ListResourcesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var uris []string
	for _, r := range rl.Resources {
		uris = append(uris, r.URI)
	}
	for _, want := range []string{"elastic://privileges", "elastic://projects", "elastic://kibana/spaces", "elastic://cloud/roles"} {
		if !slices.Contains(uris, want) {
			t.Errorf("resources/list lacks %s: %v", want, uris)
		}
	}
	for _, uri := range append(uris, "elastic://privileges/serverless", "elastic://cloud/roles/security") {
		var req mcp.ReadResourceRequest
		req.Params.URI = uri
		res, err := h.Client.ReadResource(ctx, req)
		if err != nil {
			t.Errorf("read %s: %v", uri, err)
			continue
		}
		text := res.Contents[0].(mcp.TextResourceContents).Text
		if !json.Valid([]byte(text)) {
			t.Errorf("%s is not JSON: %.200s", uri, text)
		}
	}
	var spaces mcp.ReadResourceRequest
	spaces.Params.URI = "elastic://kibana/spaces"
	res, err := h.Client.ReadResource(ctx, spaces)
	if err != nil || !strings.Contains(res.Contents[0].(mcp.TextResourceContents).Text, `"marketing"`) {
		t.Errorf("the Kibana spaces resource does not list the sandbox's spaces: %v %v", res, err)
	}

	tl, err := h.Client.ListResourceTemplates(ctx, mcp.ListResourceTemplatesRequest{})
	if err != nil || len(tl.ResourceTemplates) == 0 {
		t.Fatalf("resources/templates/list: %v %v", tl, err)
	}
	// Every template, with a parameter value its completion offers.
	for _, tmpl := range tl.ResourceTemplates {
		raw := tmpl.URITemplate.Raw()
		open, end := strings.Index(raw, "{"), strings.Index(raw, "}")
		var creq mcp.CompleteRequest
		creq.Params.Ref = mcp.ResourceReference{Type: "ref/resource", URI: raw}
		creq.Params.Argument.Name = raw[open+1 : end]
		got, err := h.Client.Complete(ctx, creq)
		if err != nil || len(got.Completion.Values) == 0 {
			t.Errorf("no completion for %s: %v %v", raw, got, err)
			continue
		}
		var rreq mcp.ReadResourceRequest
		rreq.Params.URI = raw[:open] + got.Completion.Values[0] + raw[end+1:]
		if res, err := h.Client.ReadResource(ctx, rreq); err != nil || !json.Valid([]byte(res.Contents[0].(mcp.TextResourceContents).Text)) {
			t.Errorf("read %s: %v", rreq.Params.URI, err)
		}
	}

	for _, c := range []struct {
		ref        any
		arg, value string
		want       string
	}{
		{mcp.PromptReference{Type: "ref/prompt", Name: "offboard_person"}, "identity", "ali", "alice@example.com"},
		{mcp.ResourceReference{Type: "ref/resource", URI: "elastic://projects/{name}"}, "name", "", ""},
		{mcp.ResourceReference{Type: "ref/resource", URI: "elastic://privileges/{flavor}"}, "flavor", "serv", "serverless"},
	} {
		var req mcp.CompleteRequest
		req.Params.Ref = c.ref
		req.Params.Argument.Name, req.Params.Argument.Value = c.arg, c.value
		got, err := h.Client.Complete(ctx, req)
		if err != nil {
			t.Errorf("complete %v %s: %v", c.ref, c.arg, err)
			continue
		}
		if c.want != "" && !slices.Contains(got.Completion.Values, c.want) {
			t.Errorf("complete %s=%q: %v lacks %s", c.arg, c.value, got.Completion.Values, c.want)
		}
		if c.want == "" && len(got.Completion.Values) == 0 {
			t.Errorf("complete %s: no values from the sandbox", c.arg)
		}
	}
}

// exampleArg is a valid value for a prompt argument: its first choice when
// the set is closed, otherwise a name the sandbox knows.
func exampleArg(prompt, name string) string {
	for _, p := range prompts.All() {
		for _, a := range p.Args {
			if p.Name == prompt && a.Name == name && len(a.Choices) > 0 {
				return a.Choices[0]
			}
		}
	}
	switch name {
	case "project":
		return "search-demo"
	case "person", "email":
		return "alice@example.com"
	case "project_type":
		return "elasticsearch"
	case "realm_type", "realm":
		return "saml"
	}
	return "logs-reader"
}
