package tools_test

import (
	"encoding/json"
	"regexp"
	"testing"
)

// Multi-valued ABAC: terms_set over {{#toJson}}_user.metadata.tags{{/toJson}}.
// Given as an object, the section sits in a JSON string; the stored template
// must render the array as an array, not as a quoted string.
func TestESPutRoleToJSONTemplateRendersAnArray(t *testing.T) {
	h := esHarness(t, "stack")
	query := map[string]any{"terms_set": map[string]any{"security_tags": map[string]any{
		"terms":                       "{{#toJson}}_user.metadata.security_tags{{/toJson}}",
		"minimum_should_match_script": map[string]any{"source": "params.num_terms"}}}}
	h.CallOK(t, "put_role", map[string]any{"name": "tagged-reader", "indices": []any{map[string]any{
		"names": []any{"docs-*"}, "privileges": []any{"read"}, "query": query}}})
	r, _ := esReadRole(t, h, "tagged-reader")
	var stored struct {
		Template struct {
			Source string `json:"source"`
		} `json:"template"`
	}
	if err := json.Unmarshal([]byte(r.Indices[0].Query), &stored); err != nil || stored.Template.Source == "" {
		t.Fatalf("stored query = %s", r.Indices[0].Query)
	}
	// Render as Elasticsearch would for a user with two tags.
	rendered := regexp.MustCompile(`\{\{#toJson\}\}[^{}]*\{\{/toJson\}\}`).ReplaceAllString(stored.Template.Source, `["a","b"]`)
	var q map[string]map[string]map[string]any
	if err := json.Unmarshal([]byte(rendered), &q); err != nil {
		t.Fatalf("the template renders to invalid JSON %s: %v", rendered, err)
	}
	if terms, ok := q["terms_set"]["security_tags"]["terms"].([]any); !ok || len(terms) != 2 {
		t.Fatalf("terms rendered as %#v, want the array", q["terms_set"]["security_tags"]["terms"])
	}
}

// A template written by hand with the section inside quotes is refused with
// the reason, and nothing is stored.
func TestESPutRoleQuotedToJSONTemplateIsRefused(t *testing.T) {
	h := esHarness(t, "stack")
	src := `{"terms_set":{"tags":{"terms":"{{#toJson}}_user.metadata.tags{{/toJson}}","minimum_should_match_script":{"source":"params.num_terms"}}}}`
	query := map[string]any{"template": map[string]any{"source": src}}
	mustContain(t, h.CallErr(t, "put_role", map[string]any{"name": "bad-tagged-reader", "indices": []any{map[string]any{
		"names": []any{"docs-*"}, "privileges": []any{"read"}, "query": query}}}), "toJson", "must not be inside quotes")
	if _, found := esReadRole(t, h, "bad-tagged-reader"); found {
		t.Fatal("the role was stored")
	}
}
