// Package surface wires prompts, resources and completions into an MCP
// server: Options at construction, Register once the server exists.
package surface

import (
	"github.com/elastic-access-mcp/elastic-access-mcp/completion"
	"github.com/elastic-access-mcp/elastic-access-mcp/prompts"
	"github.com/elastic-access-mcp/elastic-access-mcp/resources"
	"github.com/elastic-access-mcp/elastic-access-mcp/source"
	"github.com/mark3labs/mcp-go/server"
)

// Options are the server options prompts, resources and completions need;
// pass them to server.NewMCPServer together with the server's own.
func Options(src source.Source) []server.ServerOption {
	p := &completion.Provider{Src: src, Prompts: prompts.Vocabularies(), Templates: resources.Vocabularies()}
	return []server.ServerOption{
		server.WithPromptCapabilities(false),
		server.WithResourceCapabilities(false, false),
		server.WithCompletions(),
		server.WithPromptCompletionProvider(p),
		server.WithResourceCompletionProvider(p),
	}
}

// Register adds the prompts and resources to s, which must have been built
// with Options(src).
func Register(s *server.MCPServer, src source.Source, opts prompts.Options) {
	prompts.Register(s, opts)
	resources.Register(s, src)
}
