package tools

import (
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
)

func TestNarrowestNamedPrivilege(t *testing.T) {
	cases := []struct {
		action string
		cover  func(string) string
		want   string
	}{
		{"indices:data/read/search", indexPrivilegeCover, "read"},
		{"indices:data/write/index", indexPrivilegeCover, "create_doc"}, // as Elasticsearch defines create_doc
		{"cluster:monitor/main", clusterPrivilegeCover, "monitor"},
		{"cluster:admin/xpack/security/role/put", clusterPrivilegeCover, "manage_security"},
	}
	for _, c := range cases {
		if got := c.cover(c.action); got != c.want {
			t.Errorf("%s: %q, want %q", c.action, got, c.want)
		}
	}
}

func TestGenericRoleNames(t *testing.T) {
	for _, n := range []string{"custom-role", "new-role", "role1", "test", "my_role", "role"} {
		if !genericRoleName.MatchString(n) {
			t.Errorf("%s is not flagged as generic", n)
		}
	}
	for _, n := range []string{"logs-reader", "hr-department-viewer", "testing-pipeline-writer", "apm-reader"} {
		if genericRoleName.MatchString(n) {
			t.Errorf("%s is flagged as generic", n)
		}
	}
}

func TestNearestMappingField(t *testing.T) {
	for bad, want := range map[string]string{"group": "groups", "realm": "realm.name", "user": "username", "user_name": "username",
		"department": "metadata.department", "meta.team": "metadata.team", "DN": "dn"} {
		if got := nearestMappingField(bad); got != want {
			t.Errorf("%s: %s, want %s", bad, got, want)
		}
	}
}

func TestRoleMappingEvaluation(t *testing.T) {
	u := mappingUser{Username: "kim", Realm: "saml1", Groups: []string{"ops", "dev"}, Metadata: map[string]any{"team": "core"}}
	rule := map[string]any{"all": []any{
		map[string]any{"field": map[string]any{"realm.name": "saml*"}},
		map[string]any{"any": []any{map[string]any{"field": map[string]any{"groups": []any{"admins", "/de./"}}}}},
		map[string]any{"except": map[string]any{"field": map[string]any{"username": "svc-*"}}},
	}}
	if !ruleMatches(rule, u) {
		t.Fatal("kim does not match")
	}
	u.Username = "svc-kim"
	if ruleMatches(rule, u) {
		t.Fatal("the except clause did not exclude svc-kim")
	}
	rt := esapi.RoleTemplate{Template: map[string]any{"source": "team-{{metadata.team}}"}}
	if got := renderRoleTemplate(rt, u); len(got) != 1 || got[0] != "team-core" {
		t.Fatalf("template = %v", got)
	}
	if p := templateNamePattern(rt); p != "team-*" {
		t.Fatalf("pattern = %q", p)
	}
	js := esapi.RoleTemplate{Template: `{"source":"{{#tojson}}groups{{/tojson}}"}`, Format: "json"}
	if got := renderRoleTemplate(js, u); len(got) != 2 || got[0] != "ops" {
		t.Fatalf("json template = %v", got)
	}
	if p := templateNamePattern(js); p != "*" {
		t.Fatalf("json pattern = %q", p)
	}
}
