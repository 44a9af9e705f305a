package tools

// roleMappingTools returns the role mapping tools. (Placeholder until they are built.)
func roleMappingTools() []Tool { return nil }
