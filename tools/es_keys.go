package tools

// esKeyTools returns the Elasticsearch API key tools. (Placeholder until they are built.)
func esKeyTools() []Tool { return nil }
