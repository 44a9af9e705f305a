// Package tools holds every MCP tool of the server, one declaration and one
// named handler per job, and the domain helpers they share (Cloud role
// assignments, Elasticsearch role descriptors, paging). How a tool is
// declared, validated, confirmed and dry-run lives in package toolkit.
package tools

import "github.com/elastic-access-mcp/elastic-access-mcp/toolkit"

// All returns every tool of the catalog, in documentation order.
func All() []toolkit.Tool {
	var all []toolkit.Tool
	for _, family := range [][]toolkit.Tool{
		orgTools(), cloudKeyTools(),
		roleTools(), userTools(), roleMappingTools(), esKeyTools(),
		diagnosticTools(),
	} {
		all = append(all, family...)
	}
	return all
}
