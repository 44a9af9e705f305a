package toolkit

import (
	"fmt"
	"sort"
	"strings"
)

// Selection is the operator's choice of tools.
type Selection struct {
	AllowWrites      bool
	AllowDestructive bool     // implies AllowWrites
	Toolsets         []string // empty or "all": every toolset
	Tools            []string // when set, only these tools
	ExcludeTools     []string // always wins
	// Planes says which credentials are configured; toolsets whose planes
	// are all missing are left out.
	Planes map[Plane]bool
}

// SelectionReport explains the outcome, for whoami and the tools command.
type SelectionReport struct {
	Tier     string            `json:"tier" jsonschema:"read-only, read-write or read-write-destructive"`
	Active   []string          `json:"active_toolsets" jsonschema:"toolsets with at least one registered tool"`
	Inactive map[string]string `json:"inactive_toolsets,omitempty" jsonschema:"toolsets left out, with the reason"`
	Tools    []string          `json:"tools" jsonschema:"the registered tools"`
}

// Select applies the selection rules to the catalog. Unknown toolset or tool
// names are an error, so a typo in the configuration fails start-up instead
// of silently exposing a different set of tools.
func Select(catalog []Tool, sel Selection) ([]Tool, SelectionReport, error) {
	if sel.AllowDestructive {
		sel.AllowWrites = true
	}
	report := SelectionReport{Tier: "read-only", Inactive: map[string]string{}}
	if sel.AllowWrites {
		report.Tier = "read-write"
	}
	if sel.AllowDestructive {
		report.Tier = "read-write-destructive"
	}
	wanted, err := toolsetFilter(sel.Toolsets)
	if err != nil {
		return nil, report, err
	}
	if err := checkToolLists(catalog, sel); err != nil {
		return nil, report, err
	}
	toolsetRules := toolsetRules(sel, wanted)
	tRules := toolRules(sel, wanted)
	var out []Tool
	active := map[string]bool{}
	for _, t := range catalog {
		if ok, _ := passes(tRules, t); !ok {
			continue
		}
		out = append(out, t)
		active[t.Toolset.Name] = true
		report.Tools = append(report.Tools, t.Name)
	}
	for _, ts := range Toolsets {
		if active[ts.Name] {
			report.Active = append(report.Active, ts.Name)
			continue
		}
		if ok, reason := passes(toolsetRules, ts); !ok {
			report.Inactive[ts.Name] = reason
		} else {
			report.Inactive[ts.Name] = "no tool of this toolset is allowed by the tier and tool lists"
		}
	}
	if len(report.Inactive) == 0 {
		report.Inactive = nil
	}
	return out, report, nil
}

// rule is one reason to leave a tool or a toolset out: check returns
// whether v passes and, if not, why (the reason whoami shows).
type rule[T any] struct {
	name  string
	check func(v T) (ok bool, reason string)
}

// passes applies rules in order and returns the first failure's reason.
func passes[T any](rules []rule[T], v T) (bool, string) {
	for _, r := range rules {
		if ok, reason := r.check(v); !ok {
			return false, reason
		}
	}
	return true, ""
}

// toolsetRules decide whether a toolset can be active at all.
func toolsetRules(sel Selection, wanted map[string]bool) []rule[Toolset] {
	return []rule[Toolset]{
		{"toolsets", func(ts Toolset) (bool, string) {
			return wanted[ts.Name], "not selected by --toolsets"
		}},
		{"credentials", func(ts Toolset) (bool, string) {
			return len(ts.Planes) == 0 || anyPlane(sel.Planes, ts.Planes), "no credentials: set " + credentialHint(ts.Planes)
		}},
	}
}

// toolRules decide whether a tool is registered.
func toolRules(sel Selection, wanted map[string]bool) []rule[Tool] {
	return []rule[Tool]{
		{"exclude_tools", func(t Tool) (bool, string) {
			return !contains(sel.ExcludeTools, t.Name), "excluded by --exclude-tools"
		}},
		{"tools", func(t Tool) (bool, string) {
			return len(sel.Tools) == 0 || contains(sel.Tools, t.Name), "not listed in --tools"
		}},
		{"toolsets", func(t Tool) (bool, string) {
			// An explicit --tools list wins over --toolsets.
			return len(sel.Tools) > 0 || wanted[t.Toolset.Name], "not selected by --toolsets"
		}},
		{"credentials", func(t Tool) (bool, string) {
			ps := t.Toolset.Planes
			return len(ps) == 0 || anyPlane(sel.Planes, ps), "no credentials: set " + credentialHint(ps)
		}},
		{"tier", func(t Tool) (bool, string) {
			switch {
			case t.Tier == Write && !sel.AllowWrites:
				return false, "changes things; start with --allow-writes"
			case t.Tier == Destructive && !sel.AllowDestructive:
				return false, "destructive; start with --allow-destructive"
			}
			return true, ""
		}},
	}
}

// checkToolLists refuses unknown names in --tools and --exclude-tools, and
// tools listed in --tools that the tier does not allow.
func checkToolLists(catalog []Tool, sel Selection) error {
	byName := map[string]Tool{}
	for _, t := range catalog {
		byName[t.Name] = t
	}
	for _, lists := range [][]string{sel.Tools, sel.ExcludeTools} {
		for _, n := range lists {
			if _, ok := byName[n]; !ok {
				return fmt.Errorf("unknown tool %q; known tools: %s", n, strings.Join(sortedNames(byName), ", "))
			}
		}
	}
	for _, n := range sel.Tools {
		t := byName[n]
		if t.Tier == Write && !sel.AllowWrites {
			return fmt.Errorf("tool %q changes things; start with --allow-writes to enable it", n)
		}
		if t.Tier == Destructive && !sel.AllowDestructive {
			return fmt.Errorf("tool %q is destructive; start with --allow-destructive to enable it", n)
		}
	}
	return nil
}

func toolsetFilter(names []string) (map[string]bool, error) {
	want := map[string]bool{}
	if len(names) == 0 {
		for _, ts := range Toolsets {
			want[ts.Name] = true
		}
		return want, nil
	}
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "all" {
			for _, ts := range Toolsets {
				want[ts.Name] = true
			}
			continue
		}
		if !contains(ToolsetNames(), n) {
			return nil, fmt.Errorf("unknown toolset %q; known toolsets: %s, all", n, strings.Join(ToolsetNames(), ", "))
		}
		want[n] = true
	}
	// whoami must always be reachable: it explains the rest.
	want[ToolsetDiagnostics.Name] = true
	return want, nil
}

func anyPlane(have map[Plane]bool, need []Plane) bool {
	for _, p := range need {
		if have[p] {
			return true
		}
	}
	return false
}

func credentialHint(planes []Plane) string {
	var hints []string
	for _, p := range planes {
		switch p {
		case PlaneCloud:
			hints = append(hints, "EC_API_KEY")
		case PlaneElasticsearch:
			hints = append(hints, "ELASTICSEARCH_URL with ELASTICSEARCH_API_KEY or ELASTICSEARCH_USERNAME/PASSWORD")
		case PlaneKibana:
			hints = append(hints, "KIBANA_URL")
		}
	}
	return strings.Join(hints, " or ")
}

func sortedNames(m map[string]Tool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
