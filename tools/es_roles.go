package tools

// roleTools returns the Elasticsearch and Kibana role tools. (Placeholder until they are built.)
func roleTools() []Tool { return nil }
