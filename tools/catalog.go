package tools

// All returns every tool of the catalog, in documentation order.
func All() []Tool {
	var all []Tool
	for _, family := range [][]Tool{
		orgTools(), cloudKeyTools(),
		roleTools(), userTools(), roleMappingTools(), esKeyTools(),
		diagnosticTools(),
	} {
		all = append(all, family...)
	}
	return all
}
