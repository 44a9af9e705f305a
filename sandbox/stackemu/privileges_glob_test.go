package stackemu

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// actionGlobMatch answers as globSubset does for a concrete name, on every pattern
// shape the privilege tables use and on random ones.
func TestActionGlobMatchAgreesWithGlobSubset(t *testing.T) {
	cases := [][2]string{
		{"cluster:*", "cluster:monitor/health"}, {"indices:data/read/*", "indices:data/read/search"},
		{"indices:data/read/*", "indices:data/write/index"}, {"*", ""}, {"a*b*c", "abc"}, {"a*b*c", "aXbYc"},
		{"a*b*c", "aXbY"}, {"a?c", "abc"}, {"a?c", "ac"}, {"*/get", "cluster:admin/xpack/security/role/get"},
		{"cluster:admin/xpack/security/api_key/*", "cluster:admin/xpack/security/api_key/grant"}, {"**", "x"},
	}
	for _, c := range cases {
		if got, want := actionGlobMatch(c[0], c[1]), globSubset(c[1], c[0]); got != want {
			t.Errorf("actionGlobMatch(%q, %q) = %v, globSubset says %v", c[0], c[1], got, want)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	word := func(alphabet string, n int) string {
		var b strings.Builder
		for range r.IntN(n + 1) {
			b.WriteByte(alphabet[r.IntN(len(alphabet))])
		}
		return b.String()
	}
	for range 20000 {
		pattern, name := word("ab*?", 6), word("ab", 6)
		if got, want := actionGlobMatch(pattern, name), globSubset(name, pattern); got != want {
			t.Fatalf("actionGlobMatch(%q, %q) = %v, globSubset says %v", pattern, name, got, want)
		}
	}
}

// BenchmarkPrivilegeModels builds the cluster and index privilege models the
// first authorisation of a process needs (go test -bench=PrivilegeModels
// -benchmem ./sandbox/stackemu/).
func BenchmarkPrivilegeModels(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		newPrivModel(clusterPrivileges(), knownActions)
		newPrivModel(indexPrivileges(), nil)
	}
}

// The privileges are ordered by how many others each implies, counted from
// their action sets; counting with implies itself, pair by pair, gives the
// same order.
func TestPrivilegeOrderMatchesImplies(t *testing.T) {
	for _, m := range []*privModel{newPrivModel(clusterPrivileges(), knownActions), newPrivModel(indexPrivileges(), nil)} {
		count := map[string]int{}
		for n := range m.defs {
			for o := range m.defs {
				if n != o && m.implies(m.defs[n], o) {
					count[n]++
				}
			}
		}
		for i := 1; i < len(m.ordered); i++ {
			a, b := m.ordered[i-1], m.ordered[i]
			if count[a] > count[b] || (count[a] == count[b] && a > b) {
				t.Fatalf("%s (implies %d) is ordered before %s (implies %d)", a, count[a], b, count[b])
			}
		}
	}
}
