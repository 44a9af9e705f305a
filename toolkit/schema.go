package toolkit

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"

	"github.com/mark3labs/mcp-go/mcp"
)

// Arguments handled by the machinery rather than by each tool.
const (
	argDryRun  = "dry_run"
	argConfirm = "confirm"
)

// inputSchemaFor generates the input schema of In with mcp-go's generator
// (google/jsonschema-go plus its tag conventions) and then makes it safe for
// every client:
//   - union "type" arrays (["null","array"] for slices, pointers) become the
//     single non-null type: Gemini rejects unions, and one bad tool breaks every
//     request of that client;
//   - objects with declared properties reject unknown keys, so a typo in an
//     optional argument is an error instead of a silently ignored filter;
//   - write and destructive tools get `dry_run`.
func inputSchemaFor[In any](tier Tier) (json.RawMessage, []string) {
	schema := generated(mcp.NewTool("_", mcp.WithInputSchema[In]()), "inputSchema")
	normalizeSchema(schema, true)
	addEnums(reflect.TypeFor[In](), schema)
	props, _ := schema["properties"].(map[string]any)
	if props == nil {
		props = map[string]any{}
		schema["properties"] = props
	}
	if tier != Read {
		// The name says it; the server instructions explain it once.
		props[argDryRun] = map[string]any{"type": "boolean"}
	}
	schema["additionalProperties"] = false
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return mustJSON(schema), keys
}

// outputSchemaFor generates the output schema of Out, normalized the same way
// (output objects may grow fields, so unknown keys are not forbidden below
// the root: mcp-go already closes the root).
func outputSchemaFor[Out any]() json.RawMessage {
	schema := generated(mcp.NewTool("_", mcp.WithOutputSchema[Out]()), "outputSchema")
	normalizeSchema(schema, false)
	dropRequired(schema)
	return mustJSON(schema)
}

// dropRequired removes "required" from an output schema. Results leave out
// null values (a nil Go slice or pointer), so a field may be absent; without
// union types, "required" would turn an empty list into a validation error.
func dropRequired(node any) {
	switch n := node.(type) {
	case map[string]any:
		delete(n, "required")
		for _, v := range n {
			dropRequired(v)
		}
	case []any:
		for _, v := range n {
			dropRequired(v)
		}
	}
}

// DropNulls removes null members from objects, recursively, matching the
// output schemas (see dropRequired). It reports whether it removed any.
func DropNulls(v any) bool {
	dropped := false
	switch n := v.(type) {
	case map[string]any:
		for k, val := range n {
			if val == nil {
				delete(n, k)
				dropped = true
				continue
			}
			if DropNulls(val) {
				dropped = true
			}
		}
	case []any:
		for _, val := range n {
			if DropNulls(val) {
				dropped = true
			}
		}
	}
	return dropped
}

// WithConfirmArgument returns a copy of an input schema with the `confirm`
// argument that --confirm=param requires on calls that need confirmation.
func WithConfirmArgument(schema json.RawMessage) json.RawMessage {
	var m map[string]any
	if err := json.Unmarshal(schema, &m); err != nil {
		return schema
	}
	props, _ := m["properties"].(map[string]any)
	if props == nil {
		props = map[string]any{}
		m["properties"] = props
	}
	props[argConfirm] = map[string]any{
		"type":        "boolean",
		"description": "Set to true only after the person has explicitly approved this exact change. Calls that need approval are refused without it.",
	}
	return mustJSON(m)
}

// generated reads a schema back from a tool built by mcp-go's generator, as
// the tool would publish it (the input schema lives in RawInputSchema, the
// output schema in a struct; the tool's JSON form covers both).
func generated(t mcp.Tool, key string) map[string]any {
	b, err := json.Marshal(t)
	if err != nil {
		panic(fmt.Sprintf("tool schema: %v", err))
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		panic(fmt.Sprintf("tool schema: %v", err))
	}
	var schema map[string]any
	if err := json.Unmarshal(m[key], &schema); err != nil || schema == nil {
		return map[string]any{"type": "object"}
	}
	return schema
}

// normalizeSchema rewrites a generated schema in place; see inputSchemaFor.
func normalizeSchema(node any, closeObjects bool) {
	switch n := node.(type) {
	case map[string]any:
		if types, ok := n["type"].([]any); ok {
			var kept []any
			for _, t := range types {
				if t != "null" {
					kept = append(kept, t)
				}
			}
			if len(kept) == 1 {
				n["type"] = kept[0]
			} else if len(kept) == 0 {
				delete(n, "type")
			} else {
				// Several real types: describe them without a union array.
				anyOf := make([]any, 0, len(kept))
				for _, t := range kept {
					anyOf = append(anyOf, map[string]any{"type": t})
				}
				delete(n, "type")
				n["anyOf"] = anyOf
			}
		}
		// additionalProperties: true is the default for a free-form map;
		// saying it costs context.
		if _, hasProps := n["properties"]; !hasProps && n["additionalProperties"] == true {
			delete(n, "additionalProperties")
		}
		if closeObjects {
			if _, hasProps := n["properties"]; hasProps {
				if _, set := n["additionalProperties"]; !set {
					n["additionalProperties"] = false
				}
			}
		}
		for _, v := range n {
			normalizeSchema(v, closeObjects)
		}
	case []any:
		for _, v := range n {
			normalizeSchema(v, closeObjects)
		}
	}
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("tool schema: %v", err))
	}
	return b
}
