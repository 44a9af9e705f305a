package tools

// userTools returns the native user tools. (Placeholder until they are built.)
func userTools() []Tool { return nil }
