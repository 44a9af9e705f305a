package tools_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// Helpers shared by the tests of both planes: reading untyped results
// (prefer servertest.CallAs with the tool's output type where it fits) and
// checking texts.

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func asStrings(v any) []string {
	var out []string
	for _, e := range asList(v) {
		s, _ := e.(string)
		out = append(out, s)
	}
	return out
}

// asJSON renders v for substring checks and failure messages.
func asJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// dump renders v readably (no HTML escaping) for failure messages and
// checks of what a person would read.
func dump(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSpace(b.String())
}

func mustContain(t *testing.T, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Fatalf("%q does not contain %q", s, sub)
		}
	}
}

func mustNotContain(t *testing.T, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if sub != "" && strings.Contains(s, sub) {
			t.Fatalf("output leaks %q: %s", sub, s)
		}
	}
}
