package prompts

import (
	"regexp"
	"slices"
	"testing"
)

var placeholder = regexp.MustCompile(`\{([a-z_]+)\}`)

// Every {placeholder} in a prompt's text names one of its arguments, so a
// typo cannot leave a literal {projct} in front of the model.
func TestPlaceholdersNameArguments(t *testing.T) {
	for _, p := range All() {
		var names []string
		for _, a := range p.Args {
			if slices.Contains(names, a.Name) {
				t.Errorf("%s declares %s twice", p.Name, a.Name)
			}
			names = append(names, a.Name)
		}
		texts := append([]string{p.Goal}, p.Rules...)
		for _, s := range p.Steps {
			texts = append(texts, s.Text)
		}
		for _, text := range texts {
			for _, m := range placeholder.FindAllStringSubmatch(text, -1) {
				if !slices.Contains(names, m[1]) {
					t.Errorf("%s: placeholder {%s} is not an argument (%v)", p.Name, m[1], names)
				}
			}
		}
		if p.Title == "" || p.Description == "" || len(p.Steps) < 2 {
			t.Errorf("%s: title, description and steps are required", p.Name)
		}
	}
}

// Prompts never name a tool outside a step, where the catalog test cannot
// see it.
func TestToolsAreNamedInStepsOnly(t *testing.T) {
	tool := regexp.MustCompile(`\b(?:list|get|put|create|delete|assign|remove|invite|cancel|set|reset|update|invalidate|check|explain|offboard)_[a-z_]+\b`)
	for _, p := range All() {
		for _, s := range p.Steps {
			for _, name := range tool.FindAllString(s.Text, -1) {
				if name == "dry_run" || name == "replace_predefined" || name == "stack_access" || name == "role_templates" {
					continue
				}
				if !slices.Contains(p.Tools(), name) && !knownOtherTool(name) {
					t.Errorf("%s step mentions %s, which is no step's tool", p.Name, name)
				}
			}
		}
	}
}

// knownOtherTool accepts a tool another prompt calls in a step (a step may
// point to it as an alternative; the catalog test checks it exists) and the
// names of other prompts.
func knownOtherTool(name string) bool {
	for _, p := range All() {
		if p.Name == name || slices.Contains(p.Tools(), name) {
			return true
		}
	}
	return false
}

func TestIsPredefined(t *testing.T) {
	for _, r := range []string{"viewer", "admin", "elasticsearch-developer", "security-t1-analyst", "t1_analyst", "Viewer"} {
		if !isPredefined(r) {
			t.Errorf("%s is predefined", r)
		}
	}
	for _, r := range []string{"logs-reader", "viewer2", "my_admin", ""} {
		if isPredefined(r) {
			t.Errorf("%s is custom", r)
		}
	}
}
