package main

import "testing"

func TestServingGCLeavesTheOperatorsSettings(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if p, l, ok := gcSettings(env(nil)); !ok || p != servingGCPercent || l != servingMemoryLimit {
		t.Fatalf("no GOGC/GOMEMLIMIT: got percent %d, limit %d, %v", p, l, ok)
	}
	for _, set := range []map[string]string{{"GOGC": "50"}, {"GOMEMLIMIT": "1GiB"}, {"GOGC": "off"}} {
		if _, _, ok := gcSettings(env(set)); ok {
			t.Errorf("with %v the operator's settings must stay", set)
		}
	}
}
