package main

import (
	"fmt"

	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
	"github.com/elastic-access-mcp/elastic-access-mcp/tools"
)

// whyUnavailable explains why a tool is not registered, most fundamental
// reason first: an unknown name, a missing credential, a toolset or tool
// list that leaves it out, and only then the safety tier.
func whyUnavailable(name string, report toolkit.SelectionReport) string {
	var tool *toolkit.Tool
	for _, t := range tools.All() {
		if t.Name == name {
			tool = &t
			break
		}
	}
	if tool == nil {
		return fmt.Sprintf("there is no tool %q; \"elastic-access-mcp tools --allow-destructive\" lists them all", name)
	}
	if why, ok := report.Inactive[tool.Toolset.Name]; ok && why != "no tool of this toolset is allowed by the tier and tool lists" {
		return fmt.Sprintf("tool %q is not available: its toolset %s is left out (%s). Or try it on the demo organization with --sandbox", name, tool.Toolset.Name, why)
	}
	switch {
	case tool.Tier == toolkit.Write && report.Tier == "read-only":
		return fmt.Sprintf("tool %q changes things: add --allow-writes", name)
	case tool.Tier == toolkit.Destructive && report.Tier != "read-write-destructive":
		return fmt.Sprintf("tool %q is destructive: add --allow-destructive", name)
	}
	return fmt.Sprintf("tool %q is left out by --tools or --exclude-tools (see \"elastic-access-mcp tools\")", name)
}
