package policy

import (
	"strings"
	"testing"
)

func TestPatternMembership(t *testing.T) {
	cases := []struct {
		pattern string
		in, out []string
	}{
		{"logs-*", []string{"logs-", "logs-app"}, []string{"logs", "metrics-x"}},
		{"log?-1", []string{"logs-1", "logx-1"}, []string{"log-1", "logss-1"}},
		{"**", []string{"", "a", ".security-7"}, nil},
		{`a\*b`, []string{"a*b"}, []string{"axb"}},
		{"/.*/", []string{"", "x", ".security"}, nil},
		{"/logs-(app|web)/", []string{"logs-app", "logs-web"}, []string{"logs-db", "logs-app2"}},
		{"/~(([.]|ilm-history-).*)/", []string{"logs", "a.b"}, []string{".kibana", "ilm-history-1"}},
		{"/[a-c]+[0-9]{2}/", []string{"abc12", "a00"}, []string{"abd12", "a1"}},
		{"/[^.].*/", []string{"logs"}, []string{".logs", ""}},
		{"/@&~(\\..*)/", []string{"logs"}, []string{".x"}},
		{`/"a.b"c?/`, []string{"a.b", "a.bc"}, []string{"axb"}},
		{"/idx-<1-12>/", []string{"idx-1", "idx-12", "idx-007"}, []string{"idx-13", "idx-0"}},
		{"/#|x/", []string{"x"}, []string{""}},
		{`/\d+/`, []string{"123"}, []string{"12a"}},
		{"/a()b/", []string{"ab"}, []string{"a()b"}},
	}
	for _, c := range cases {
		s, err := Pattern(c.pattern)
		if err != nil {
			t.Fatalf("Pattern(%q): %v", c.pattern, err)
		}
		for _, n := range c.in {
			if !s.Contains(n) {
				t.Errorf("%q should match %q", c.pattern, n)
			}
		}
		for _, n := range c.out {
			if s.Contains(n) {
				t.Errorf("%q should not match %q", c.pattern, n)
			}
		}
	}
}

func TestPatternErrors(t *testing.T) {
	for _, p := range []string{"/unterminated", "/a(b/", "/[a-/", "/a{3,1}/", "/*/", "/<5-1>/"} {
		if _, err := Pattern(p); err == nil {
			t.Errorf("Pattern(%q) should fail", p)
		}
	}
}

func TestSetAlgebra(t *testing.T) {
	sub := func(a, b string) bool { return MustPattern(a).SubsetOf(MustPattern(b)) }
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"logs-app", "logs-*", true},
		{"logs-*", "logs-app", false},
		{"logs-a*", "logs-*", true},
		{"logs-?", "logs-*", true},
		{"*", "/.*/", true},
		{"/.*/", "**", true},
		{"?*", "*", true},
		{"*", "?*", false}, // the empty name
		{"/logs-[0-9]+/", "logs-*", true},
		{"logs-*", "/logs-[0-9]+/", false},
		{"/[a-m].*/", "/[a-z].*/", true},
	} {
		if got := sub(c.a, c.b); got != c.want {
			t.Errorf("%q ⊆ %q = %v, want %v", c.a, c.b, got, c.want)
		}
	}
	if !mustPatterns("/[a-m].*/", "/[^a-m].*/", "/()/").IsTotal() {
		t.Error("complementary regexes together with the empty name should cover every name")
	}
	if MustPattern("logs-*").Overlaps(MustPattern("metrics-*")) {
		t.Error("logs-* and metrics-* do not overlap")
	}
	ex, ok := MustPattern("logs-*").Intersect(MustPattern("*-prod")).Example()
	if !ok || ex != "logs-prod" {
		t.Errorf("example = %q, %v", ex, ok)
	}
	if !RestrictedIndices().Contains(".security-7") || RestrictedIndices().Contains(".kibana") {
		t.Error("restricted indices: .security-7 is restricted, .kibana is not")
	}
}

func TestPrivilegeResolution(t *testing.T) {
	covers := func(granted, requested string) bool {
		g, err := ClusterPrivilege(granted)
		if err != nil {
			t.Fatal(err)
		}
		r, err := ClusterPrivilege(requested)
		if err != nil {
			t.Fatal(err)
		}
		return r.SubsetOf(g)
	}
	for _, c := range []struct {
		g, r string
		want bool
	}{
		{"all", "manage_security", true},
		{"manage", "manage_security", false},
		{"manage", "monitor", true},
		{"cluster:*", "manage_security", true},
		{"cluster:*", "all", false}, // all also covers the template actions
		{"cluster:admin/xpack/security/*", "manage_security", true},
		{"manage_security", "manage_api_key", true},
		{"manage_api_key", "manage_own_api_key", true},
		{"manage_own_api_key", "manage_api_key", false},
		{"manage_security", "cluster:admin/xpack/security/user/put", true},
		{"  MANAGE_SECURITY ", "manage_token", true},
		{"read_security", "manage_security", false},
		{"cluster:admin/xpack/security/user/put", "cluster:admin/xpack/security/user/put", true},
	} {
		if got := covers(c.g, c.r); got != c.want {
			t.Errorf("%q covers %q = %v, want %v", c.g, c.r, got, c.want)
		}
	}
	if _, err := ClusterPrivilege("superpower"); err == nil {
		t.Error("an unknown cluster privilege must be an error")
	}
	all, _ := IndexPrivilege("all")
	write, _ := IndexPrivilege("write")
	index, _ := IndexPrivilege("index")
	if !index.SubsetOf(write) || !write.SubsetOf(all) {
		t.Error("index ⊆ write ⊆ all")
	}
	star, _ := IndexPrivilege("indices:*")
	if !all.SubsetOf(star.Union(mustPatterns("internal:transport/proxy/indices:*"))) {
		t.Error("indices:* with the proxy form covers all")
	}
}

func TestIndexExpressionExclusions(t *testing.T) {
	s, err := IndexExpression("logs-*, -logs-secret*")
	if err != nil {
		t.Fatal(err)
	}
	if !s.Contains("logs-app") || s.Contains("logs-secret-1") {
		t.Error("logs-*,-logs-secret* keeps logs-app and drops logs-secret-1")
	}
	// Without a wildcard before it, -name is a name.
	lit, _ := IndexExpression("-odd")
	if !lit.Contains("-odd") {
		t.Error("a leading -odd is the literal name")
	}
	if _, err := IndexExpression(" , "); err == nil {
		t.Error("an empty expression is an error")
	}
	p := perm(t, map[string]string{"r": `{"indices":[{"names":["logs-*"],"privileges":["read"]},{"names":["logs-secret"],"privileges":["read"],"query":"{\"match_none\":{}}"}]}`})
	a, err := p.Index("logs-*,-logs-secret", "read", false)
	if err != nil || !a.Allowed || !a.Unrestricted() {
		t.Errorf("answer %+v %v", a, err)
	}
	if a, _ := p.Index("logs-*,-logs-secret,metrics-1", "read", false); a.Allowed {
		t.Error("metrics-1 is not granted")
	}
}

func TestPatternTooComplex(t *testing.T) {
	if _, err := Pattern("/(a|b)*a(a|b){20}/"); err == nil || !strings.Contains(err.Error(), "too complex") {
		t.Errorf("an exponential pattern must be refused, got %v", err)
	}
}
