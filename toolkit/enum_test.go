package toolkit

import (
	"context"
	"encoding/json"
	"testing"
)

type enumItem struct {
	Kind string `json:"kind" validate:"required,oneof=a b"`
}

type enumArgs struct {
	Scope  string              `json:"scope" jsonschema:"where it applies" validate:"required,oneof=organization project"`
	Levels []string            `json:"levels,omitempty" validate:"omitempty,dive,oneof=low high"`
	Items  []enumItem          `json:"items,omitempty" validate:"dive"`
	ByName map[string]enumItem `json:"by_name,omitempty" validate:"dive"`
	Free   string              `json:"free,omitempty"`
}

// Every closed vocabulary of an input reaches the published schema as an
// enum, from the same validate tag the server checks with.
func TestClosedVocabulariesArePublishedAsEnums(t *testing.T) {
	tool := Define(Spec{Name: "enum_probe", Tier: Read}, func(context.Context, *Call, enumArgs) (struct{}, error) { return struct{}{}, nil })
	var s struct {
		Properties map[string]struct {
			Enum  []string `json:"enum"`
			Items struct {
				Enum       []string `json:"enum"`
				Properties map[string]struct {
					Enum []string `json:"enum"`
				} `json:"properties"`
			} `json:"items"`
			AdditionalProperties struct {
				Properties map[string]struct {
					Enum []string `json:"enum"`
				} `json:"properties"`
			} `json:"additionalProperties"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(tool.InputSchema(), &s); err != nil {
		t.Fatal(err)
	}
	check := func(what string, got []string, want ...string) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("%s: enum %v, want %v\n%s", what, got, want, tool.InputSchema())
			return
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s: enum %v, want %v", what, got, want)
			}
		}
	}
	check("scope", s.Properties["scope"].Enum, "organization", "project")
	check("levels items", s.Properties["levels"].Items.Enum, "low", "high")
	check("items[].kind", s.Properties["items"].Items.Properties["kind"].Enum, "a", "b")
	check("by_name.*.kind", s.Properties["by_name"].AdditionalProperties.Properties["kind"].Enum, "a", "b")
	check("free", s.Properties["free"].Enum)
}
