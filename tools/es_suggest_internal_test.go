package tools

import (
	"strings"
	"testing"
)

var knownForTest = []string{"all", "monitor", "manage", "manage_security", "manage_api_key", "manage_own_api_key", "read_security",
	"manage_index_templates", "monitor_ml", "manage_ml", "monitor_transform", "manage_transform", "cross_cluster_search"}

// The suggestion work for one unknown name does not grow with the name's
// length: it is measured in allocations, which the old edit distance made
// for every character of the name against every known name.
func TestSuggestWorkIsBoundedForLongNames(t *testing.T) {
	long := strings.Repeat("m", 20<<10)
	allocs := testing.AllocsPerRun(3, func() { _ = suggest(long, knownForTest) })
	if allocs > 50 {
		t.Errorf("suggesting for a 20 KB name made %.0f allocations; the work must not depend on the name's length", allocs)
	}
}

func TestSuggestStillFindsTypos(t *testing.T) {
	for bad, want := range map[string]string{"manage_securty": "manage_security", "monitr": "monitor", "manage_api": "manage_api_key"} {
		if got := suggest(bad, knownForTest); !strings.Contains(got, want) {
			t.Errorf("suggest(%q) = %q, want it to name %s", bad, got, want)
		}
	}
}
