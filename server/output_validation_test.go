package server_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
	"github.com/mark3labs/mcp-go/mcp"
)

// The running server does not check results against their output schemas
// (it costs a third of a call); the test harness does, so that every call
// the suite makes proves the published schema holds. This test keeps that
// promise honest: a result that breaks its schema must fail under the
// harness.
func TestHarnessChecksResultsAgainstOutputSchemas(t *testing.T) {
	h := servertest.New(t, servertest.Options{})
	h.Server.MCP.AddTool(mcp.Tool{
		Name:            "schema_probe",
		InputSchema:     mcp.ToolInputSchema{Type: "object"},
		RawOutputSchema: json.RawMessage(`{"type":"object","properties":{"count":{"type":"integer"}},"required":["count"]}`),
	}, func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return &mcp.CallToolResult{
			Content:           []mcp.Content{mcp.NewTextContent(`{"count":"many"}`)},
			StructuredContent: map[string]any{"count": "many"},
		}, nil
	})
	if res := h.Call(t, "schema_probe", nil); !res.IsError {
		t.Fatalf("a result that breaks its output schema was accepted: %+v", res.StructuredContent)
	}
}
