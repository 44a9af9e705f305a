package surface_test

import (
	"fmt"

	"github.com/elastic-access-mcp/elastic-access-mcp/prompts"
	"github.com/elastic-access-mcp/elastic-access-mcp/source"
	"github.com/elastic-access-mcp/elastic-access-mcp/surface"
	"github.com/mark3labs/mcp-go/server"
)

// A server adds the surface's options to its own at construction, and
// registers prompts and resources once its tools are known, so prompts whose
// tools are not offered are left out.
func Example() {
	// The real server builds an Upstream from its clients:
	// &source.Upstream{Cloud: cloudClient, Elasticsearch: esClient, Kibana: kibanaClient}.
	src := &source.Static{FlavorName: "stack", Roles: []string{"logs-reader"}}
	tools := map[string]bool{"whoami": true, "access_review": true, "list_org_members": true,
		"list_org_invitations": true, "list_cloud_api_keys": true}

	opts := append([]server.ServerOption{server.WithToolCapabilities(false)}, surface.Options(src)...)
	s := server.NewMCPServer("elastic-access-mcp", "dev", opts...)
	surface.Register(s, src, prompts.Options{HasTool: func(name string) bool { return tools[name] }})

	for _, p := range prompts.Offered(prompts.Options{HasTool: func(name string) bool { return tools[name] }}) {
		fmt.Println(p.Name)
	}
	// Output:
	// troubleshoot_403
	// review_access
}
