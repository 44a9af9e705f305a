package tools

// cloudKeyTools returns the Cloud API key tools. (Placeholder until they are built.)
func cloudKeyTools() []Tool { return nil }
