package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
)

func benchReader(b *testing.B) *mapReader {
	b.Helper()
	var roles map[string]Role
	if err := json.Unmarshal([]byte(builtinRolesJSON), &roles); err != nil {
		b.Fatal(err)
	}
	return &mapReader{roles: roles}
}

// BenchmarkEvaluatePutRole is a typical put_role dry run: an existing role
// gains a new index group and a cluster privilege.
func BenchmarkEvaluatePutRole(b *testing.B) {
	reader := benchReader(b)
	var r Role
	if err := json.Unmarshal([]byte(`{"cluster":["monitor","manage_index_templates"],
		"indices":[{"names":["logs-*","metrics-app-*"],"privileges":["read","view_index_metadata","write"]},
		{"names":["audit-2024"],"privileges":["read"],"query":"{\"term\":{\"team\":\"a\"}}"}]}`), &r); err != nil {
		b.Fatal(err)
	}
	c := Change{Roles: []RoleChange{{Name: "logs_reader", New: r}}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Evaluate(context.Background(), c, reader); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewPermission50Roles compiles the 50 roles of a project, as
// access_review does once per project.
func BenchmarkNewPermission50Roles(b *testing.B) {
	reader := benchReader(b)
	var roles []NamedRole
	for i := 0; i < 50; i++ {
		var r Role
		js := fmt.Sprintf(`{"cluster":["monitor"],"indices":[{"names":["team%d-*","shared-%d"],"privileges":["read","view_index_metadata"]},
			{"names":["logs-*"],"privileges":["read"],"query":"{\"term\":{\"team\":\"t%d\"}}"}],"run_as":["svc-%d"]}`, i, i, i, i)
		if err := json.Unmarshal([]byte(js), &r); err != nil {
			b.Fatal(err)
		}
		roles = append(roles, NamedRole{Name: fmt.Sprintf("team%d", i), Role: r})
	}
	for _, n := range []string{"viewer", "editor", "superuser"} {
		roles = append(roles, NamedRole{Name: n, Role: reader.roles[n]})
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		p, err := NewPermission(roles...)
		if err != nil {
			b.Fatal(err)
		}
		p.Escalations()
	}
}

// BenchmarkEvaluatePutRoleCold is the put_role dry run with empty caches:
// the cost of a role the process has not seen before.
func BenchmarkEvaluatePutRoleCold(b *testing.B) {
	reader := benchReader(b)
	var r Role
	if err := json.Unmarshal([]byte(`{"cluster":["monitor","manage_index_templates"],
		"indices":[{"names":["logs-*","metrics-app-*"],"privileges":["read","view_index_metadata","write"]},
		{"names":["audit-2024"],"privileges":["read"],"query":"{\"term\":{\"team\":\"a\"}}"}]}`), &r); err != nil {
		b.Fatal(err)
	}
	c := Change{Roles: []RoleChange{{Name: "logs_reader", New: r}}}
	riskSets()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		clearCaches()
		if _, err := Evaluate(context.Background(), c, reader); err != nil {
			b.Fatal(err)
		}
	}
}

func clearCaches() {
	patternCache = boundedCache[string, patternResult]{}
	listCache = boundedCache[string, listResult]{}
	unionCache = boundedCache[opKey, *dfa]{}
	searchCache = boundedCache[opKey, bool]{}
}
