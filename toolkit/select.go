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
	byName := map[string]Tool{}
	for _, t := range catalog {
		byName[t.Name] = t
	}
	wantSet, err := toolsetFilter(sel.Toolsets)
	if err != nil {
		return nil, report, err
	}
	for _, lists := range [][]string{sel.Tools, sel.ExcludeTools} {
		for _, n := range lists {
			if _, ok := byName[n]; !ok {
				return nil, report, fmt.Errorf("unknown tool %q; known tools: %s", n, strings.Join(sortedNames(byName), ", "))
			}
		}
	}
	for _, n := range sel.Tools {
		t := byName[n]
		if t.Tier == Write && !sel.AllowWrites {
			return nil, report, fmt.Errorf("tool %q changes things; start with --allow-writes to enable it", n)
		}
		if t.Tier == Destructive && !sel.AllowDestructive {
			return nil, report, fmt.Errorf("tool %q is destructive; start with --allow-destructive to enable it", n)
		}
	}
	planeReason := map[string]string{}
	for _, ts := range Toolsets {
		if !wantSet[ts] {
			report.Inactive[ts] = "not selected by --toolsets"
			continue
		}
		if planes := ToolsetPlanes[ts]; len(planes) > 0 && !anyPlane(sel.Planes, planes) {
			planeReason[ts] = "no credentials: set " + credentialHint(planes)
			report.Inactive[ts] = planeReason[ts]
		}
	}
	var out []Tool
	active := map[string]bool{}
	for _, t := range catalog {
		switch {
		case contains(sel.ExcludeTools, t.Name):
			continue
		case len(sel.Tools) > 0 && !contains(sel.Tools, t.Name):
			continue
		case len(sel.Tools) == 0 && !wantSet[t.Toolset]:
			continue
		case planeReason[t.Toolset] != "":
			continue
		case t.Tier == Write && !sel.AllowWrites, t.Tier == Destructive && !sel.AllowDestructive:
			continue
		}
		out = append(out, t)
		active[t.Toolset] = true
		report.Tools = append(report.Tools, t.Name)
	}
	for _, ts := range Toolsets {
		if active[ts] {
			report.Active = append(report.Active, ts)
			delete(report.Inactive, ts)
		} else if _, ok := report.Inactive[ts]; !ok {
			report.Inactive[ts] = "no tool of this toolset is allowed by the tier and tool lists"
		}
	}
	if len(report.Inactive) == 0 {
		report.Inactive = nil
	}
	return out, report, nil
}

func toolsetFilter(names []string) (map[string]bool, error) {
	want := map[string]bool{}
	if len(names) == 0 {
		for _, ts := range Toolsets {
			want[ts] = true
		}
		return want, nil
	}
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "all" {
			for _, ts := range Toolsets {
				want[ts] = true
			}
			continue
		}
		if !contains(Toolsets, n) {
			return nil, fmt.Errorf("unknown toolset %q; known toolsets: %s, all", n, strings.Join(Toolsets, ", "))
		}
		want[n] = true
	}
	// whoami must always be reachable: it explains the rest.
	want[ToolsetDiagnostics] = true
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
