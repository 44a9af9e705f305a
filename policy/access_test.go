package policy

import (
	"reflect"
	"strings"
	"testing"
)

func perm(t *testing.T, roles map[string]string) *Permission {
	t.Helper()
	var named []NamedRole
	for _, n := range sortedKeys(roles) {
		named = append(named, NamedRole{Name: n, Role: role(t, roles[n])})
	}
	p, err := NewPermission(named...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestIndexAccessCombinesRestrictions(t *testing.T) {
	dlsA := `{"indices":[{"names":["logs-*"],"privileges":["read"],"query":"{\"term\":{\"team\":\"a\"}}"}]}`
	dlsB := `{"indices":[{"names":["logs-*"],"privileges":["read"],"query":{"term":{"team":"b"}}}]}`
	flsMsg := `{"indices":[{"names":["logs-*"],"privileges":["read"],"field_security":{"grant":["message"]}}]}`
	flsHost := `{"indices":[{"names":["logs-app"],"privileges":["read"],"field_security":{"grant":["host.*"],"except":["host.ip"]}}]}`
	open := `{"indices":[{"names":["logs-*"],"privileges":["read","view_index_metadata"]}]}`

	t.Run("queries of every granting role", func(t *testing.T) {
		a, err := perm(t, map[string]string{"team_a": dlsA, "team_b": dlsB}).Index("logs-app", "read", false)
		if err != nil {
			t.Fatal(err)
		}
		if !a.Allowed || !reflect.DeepEqual(a.GrantedBy, []string{"team_a", "team_b"}) {
			t.Fatalf("answer %+v", a)
		}
		want := []string{`{"term":{"team":"a"}}`, `{"term":{"team":"b"}}`}
		if !reflect.DeepEqual(a.DocumentQueries, want) || a.FieldSecurity != nil || len(a.Warnings) != 0 {
			t.Errorf("queries %v fls %v warnings %v", a.DocumentQueries, a.FieldSecurity, a.Warnings)
		}
	})
	t.Run("an unrestricted role cancels document-level security", func(t *testing.T) {
		a, _ := perm(t, map[string]string{"team_a": dlsA, "reader": open}).Index("logs-*", "read", false)
		if !a.Allowed || a.DocumentQueries != nil || !a.Unrestricted() {
			t.Fatalf("answer %+v", a)
		}
		if len(a.Warnings) != 1 || !strings.Contains(a.Warnings[0], "team_a") || !strings.Contains(a.Warnings[0], "reader") {
			t.Errorf("warnings %v", a.Warnings)
		}
	})
	t.Run("field-level security is the union", func(t *testing.T) {
		a, _ := perm(t, map[string]string{"msg": flsMsg, "host": flsHost}).Index("logs-app", "read", false)
		if !a.Allowed || len(a.FieldSecurity) != 2 || a.DocumentQueries != nil {
			t.Fatalf("answer %+v", a)
		}
		// On the pattern only msg's group covers every name.
		b, _ := perm(t, map[string]string{"msg": flsMsg, "host": flsHost}).Index("logs-*", "read", false)
		if !b.Allowed || !reflect.DeepEqual(b.GrantedBy, []string{"msg"}) || len(b.FieldSecurity) != 1 {
			t.Errorf("pattern answer %+v", b)
		}
	})
	t.Run("all fields when any granting role has no field restriction", func(t *testing.T) {
		a, _ := perm(t, map[string]string{"msg": flsMsg, "reader": open}).Index("logs-app", "read", false)
		if a.FieldSecurity != nil || len(a.Warnings) != 1 || !strings.Contains(a.Warnings[0], "field-level") {
			t.Errorf("answer %+v", a)
		}
	})
	t.Run("a role that does not grant the privilege does not lift restrictions", func(t *testing.T) {
		meta := `{"indices":[{"names":["*"],"privileges":["view_index_metadata"]}]}`
		a, _ := perm(t, map[string]string{"team_a": dlsA, "meta": meta}).Index("logs-app", "read", false)
		if len(a.DocumentQueries) != 1 || !reflect.DeepEqual(a.GrantedBy, []string{"team_a"}) {
			t.Errorf("answer %+v", a)
		}
	})
	t.Run("not allowed", func(t *testing.T) {
		a, _ := perm(t, map[string]string{"reader": open}).Index("metrics-x", "read", false)
		if a.Allowed || a.GrantedBy != nil {
			t.Errorf("answer %+v", a)
		}
	})
}

func TestClusterApplicationRunAs(t *testing.T) {
	p := perm(t, map[string]string{
		"ops":  `{"cluster":["monitor","manage_ilm"],"run_as":["svc-*"]}`,
		"keys": `{"cluster":["manage_own_api_key"]}`,
		"kb":   `{"applications":[{"application":"kibana-.kibana","privileges":["feature_discover.all"],"resources":["space:ops"]}]}`,
	})
	check := func(name string, want bool, by ...string) {
		t.Helper()
		a, err := p.Cluster(name)
		if err != nil {
			t.Fatal(err)
		}
		if a.Allowed != want || (want && !reflect.DeepEqual(a.GrantedBy, by)) {
			t.Errorf("cluster %s = %+v, want %v by %v", name, a, want, by)
		}
	}
	check("monitor", true, "ops")
	check("cluster:admin/ilm/put", true, "ops")
	check("manage_own_api_key", true, "keys")
	check("manage_api_key", false)
	check("manage", false)
	if _, err := p.Cluster("bogus"); err == nil {
		t.Error("unknown privilege must be an error")
	}
	a, _ := p.Application(KibanaApplication, "space:ops", "feature_discover.read")
	if !a.Allowed || !reflect.DeepEqual(a.GrantedBy, []string{"kb"}) {
		t.Errorf("application %+v", a)
	}
	if a, _ := p.Application(KibanaApplication, "space:default", "feature_discover.read"); a.Allowed {
		t.Error("another space must not be allowed")
	}
	if ok, by := p.RunAs("svc-backup"); !ok || !reflect.DeepEqual(by, []string{"ops"}) {
		t.Errorf("run_as svc-backup = %v %v", ok, by)
	}
	if ok, _ := p.RunAs("elastic"); ok {
		t.Error("run_as elastic must not be allowed")
	}
}

func TestAPIKeyLimitedByOwner(t *testing.T) {
	key := perm(t, map[string]string{"k": `{"cluster":["all"],"indices":[{"names":["*"],"privileges":["all"]}]}`})
	owner := perm(t, map[string]string{"viewer": `{"cluster":["monitor"],"indices":[{"names":["logs-*"],"privileges":["read"]}]}`})
	p := key.Limit(owner)
	if a, _ := p.Cluster("manage_security"); a.Allowed {
		t.Error("a key cannot exceed its owner")
	}
	if a, _ := p.Cluster("monitor"); !a.Allowed {
		t.Error("monitor is held by both")
	}
	if a, _ := p.Index("logs-a", "read", false); !a.Allowed {
		t.Error("read on logs-a is held by both")
	}
	if a, _ := p.Index("metrics-a", "read", false); a.Allowed {
		t.Error("read on metrics-a is not held by the owner")
	}
	if len(p.Escalations()) != 0 {
		t.Errorf("escalations of a key limited by a viewer: %+v", p.Escalations())
	}
	if !key.SuperuserLike() {
		t.Error("the key's own descriptor is superuser-like")
	}
}

func TestRestrictedIndices(t *testing.T) {
	p := perm(t, map[string]string{"all": `{"indices":[{"names":["*"],"privileges":["all"]}]}`})
	if a, _ := p.Index(".security-7", "read", false); a.Allowed {
		t.Error(".security-7 needs allow_restricted_indices in the role")
	}
	if a, _ := p.Index(".kibana_1", "read", false); !a.Allowed {
		t.Error(".kibana_1 is not restricted")
	}
	q := perm(t, map[string]string{"sec": `{"indices":[{"names":[".security*"],"privileges":["read"],"allow_restricted_indices":true}]}`})
	if a, _ := q.Index(".security-7", "read", false); !a.Allowed {
		t.Error("a concrete restricted name is checked as is")
	}
	caps := q.Escalations()
	if len(caps) != 1 || caps[0].Kind != KindSecurityIndices || caps[0].Detail != "read" {
		t.Errorf("escalations %+v", caps)
	}
}

func TestSummary(t *testing.T) {
	s := strings.Join(perm(t, map[string]string{"su": builtinSuperuser}).Summary(), "\n")
	if !strings.Contains(s, "superuser: every privilege on this cluster") {
		t.Errorf("summary:\n%s", s)
	}
}

const builtinSuperuser = `{"cluster":["all"],"indices":[{"names":["*"],"privileges":["all"]}],"run_as":["*"]}`
