module github.com/elastic-access-mcp/elastic-access-mcp

go 1.26.0
