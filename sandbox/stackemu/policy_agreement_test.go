package stackemu

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/policy"
)

// The emulator's _has_privileges and the policy package must agree with
// Elasticsearch, and so with each other, on how privilege names, action
// patterns, index name patterns and restricted indices are evaluated. Each
// check names what Elasticsearch answers; both implementations are held to
// it. Cases marked "was:" are ones where the emulator used to disagree.

type privCheck struct {
	cluster string
	index   string
	priv    string
	ari     bool
	app     string
	res     string
	want    bool
	note    string
}

func TestHasPrivilegesAgreesWithPolicy(t *testing.T) {
	cases := []struct {
		name   string
		role   string
		checks []privCheck
	}{
		{"cluster:* covers security but not all", `{"cluster":["cluster:*"]}`, []privCheck{
			{cluster: "all", want: false, note: "all also covers the index template actions"},
			{cluster: "manage_security", want: true},
			{cluster: "monitor", want: false, note: "monitor also covers the get-template index actions"},
			{cluster: "monitor_ml", want: true},
			{cluster: "cluster:admin/xpack/security/user/put", want: true},
			{cluster: "manage_own_api_key", want: true},
		}},
		{"security action pattern", `{"cluster":["cluster:admin/xpack/security/*"]}`, []privCheck{
			{cluster: "manage_security", want: true},
			{cluster: "manage_api_key", want: true},
			{cluster: "read_security", want: true},
			{cluster: "manage", want: false},
			{cluster: "MANAGE_TOKEN", want: true, note: "requested names are lower-cased"},
		}},
		{"own keys only", `{"cluster":["manage_own_api_key"]}`, []privCheck{
			{cluster: "manage_own_api_key", want: true},
			{cluster: "manage_api_key", want: false},
			{cluster: "grant_api_key", want: false},
		}},
		{"action without a star covers its sub-actions", `{"cluster":["cluster:admin/xpack/security/user/ge"]}`, []privCheck{
			{cluster: "cluster:admin/xpack/security/user/get", want: true, note: "was: false; Elasticsearch appends * to an action (actionToPattern)"},
			{cluster: "cluster:admin/xpack/security/user/put", want: false},
		}},
		{"? in a cluster action pattern", `{"cluster":["cluster:monitor/?ain"]}`, []privCheck{
			{cluster: "cluster:monitor/main", want: true, note: "was: false; ? matches one character"},
			{cluster: "cluster:monitor/health", want: false},
		}},
		{"wildcard index pattern", `{"indices":[{"names":["logs-*"],"privileges":["read"]}]}`, []privCheck{
			{index: "logs-*", priv: "read", want: true},
			{index: "logs-app", priv: "read", want: true},
			{index: "*", priv: "read", want: false},
			{index: "logs-*", priv: "write", want: false},
			{index: "/logs-.*/", priv: "read", want: true, note: "was: false; a requested /regex/ is a pattern too"},
			{index: "logs-?", priv: "read", want: true},
		}},
		{"? in a granted index pattern", `{"indices":[{"names":["log?-*"],"privileges":["read"]}]}`, []privCheck{
			{index: "logs-x", priv: "read", want: true},
			{index: "log-x", priv: "read", want: false},
			{index: "logs-*", priv: "read", want: true},
			{index: "log*", priv: "read", want: false},
		}},
		{"regex index pattern", `{"indices":[{"names":["/logs-[0-9]+/"],"privileges":["read"]}]}`, []privCheck{
			{index: "logs-1", priv: "read", want: true},
			{index: "logs-x", priv: "read", want: false},
			{index: "logs-*", priv: "read", want: false},
			{index: "/logs-[0-9]{2}/", priv: "read", want: true, note: "was: false; regex against regex compared as sets"},
		}},
		{"Lucene any-string operator", `{"indices":[{"names":["/@/"],"privileges":["all"]}]}`, []privCheck{
			{index: "anything", priv: "all", want: true, note: "was: false; @ is any string in Lucene, a literal in Go"},
			{index: "*", priv: "all", want: true, note: "was: false"},
			{index: ".security-7", priv: "read", want: false, note: "restricted without allow_restricted_indices"},
		}},
		{"Lucene numeric interval", `{"indices":[{"names":["/idx-<1-3>/"],"privileges":["read"]}]}`, []privCheck{
			{index: "idx-2", priv: "read", want: true, note: "was: false"},
			{index: "idx-4", priv: "read", want: false},
		}},
		{"Lucene intersection and complement", `{"indices":[{"names":["/@&~(\\..*)/"],"privileges":["read"]}]}`, []privCheck{
			{index: "logs", priv: "read", want: true, note: "was: false"},
			{index: ".kibana", priv: "read", want: false},
			{index: "*", priv: "read", want: false, note: "* covers .kibana, which is not restricted"},
		}},
		{"double star", `{"indices":[{"names":["**"],"privileges":["write"]}]}`, []privCheck{
			{index: "*", priv: "write", want: true},
			{index: ".kibana", priv: "write", want: true},
			{index: ".security-7", priv: "write", want: false},
			{index: "*", priv: "index", want: true},
			{index: "*", priv: "read", want: false},
		}},
		{"every index without restricted", `{"indices":[{"names":["*"],"privileges":["read"]}]}`, []privCheck{
			{index: "*", priv: "read", want: true},
			{index: "*", priv: "read", ari: true, want: false},
			{index: ".security-7", priv: "read", want: false},
			{index: "?logs", priv: "read", ari: true, want: true, note: "was: false; no restricted index has five characters"},
			{index: ".sec*", priv: "read", want: true, note: "the restricted part is removed from the request"},
		}},
		{"every index with restricted", `{"indices":[{"names":["*"],"privileges":["read"],"allow_restricted_indices":true}]}`, []privCheck{
			{index: ".security-7", priv: "read", want: true},
			{index: "*", priv: "read", ari: true, want: true},
		}},
		{"complement regex as in viewer", `{"indices":[{"names":["/~(([.]|ilm-history-).*)/"],"privileges":["read"]}]}`, []privCheck{
			{index: "logs", priv: "read", want: true},
			{index: ".kibana", priv: "read", want: false},
			{index: "logs-*", priv: "read", want: true},
			{index: "*", priv: "read", want: false},
		}},
		{"index action pattern", `{"indices":[{"names":["*"],"privileges":["indices:data/read/sea"]}]}`, []privCheck{
			{index: "logs", priv: "indices:data/read/search", want: true, note: "was: false; an index action gets a * appended"},
			{index: "logs", priv: "read", want: false},
		}},
		{"privileges combine across groups", `{"indices":[{"names":["logs-*"],"privileges":["read"]},{"names":["*"],"privileges":["view_index_metadata"]}]}`, []privCheck{
			{index: "logs-a", priv: "read", want: true},
			{index: "logs-a", priv: "view_index_metadata", want: true},
			{index: "metrics-a", priv: "read", want: false},
		}},
		{"kibana everywhere", `{"applications":[{"application":"kibana-.kibana","privileges":["all"],"resources":["*"]}]}`, []privCheck{
			{app: "kibana-.kibana", res: "space:default", priv: "all", want: true},
			{app: "kibana-.kibana", res: "*", priv: "feature_discover.all", want: true},
			{app: "other", res: "*", priv: "all", want: false},
		}},
		{"kibana one space", `{"applications":[{"application":"kibana-.kibana","privileges":["space_read"],"resources":["space:marketing"]}]}`, []privCheck{
			{app: "kibana-.kibana", res: "space:marketing", priv: "feature_discover.read", want: true},
			{app: "kibana-.kibana", res: "space:*", priv: "space_read", want: false},
		}},
	}
	e := newEnv(t, FlavorStack)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			name := fmt.Sprintf("agree_%d", i)
			var body map[string]any
			if err := json.Unmarshal([]byte(c.role), &body); err != nil {
				t.Fatal(err)
			}
			expectStatus(t, e.call("PUT", "/_security/role/"+name, e.admin, body), 200)
			auth := e.newUser("agree_user_"+fmt.Sprint(i), []string{name})
			var pr policy.Role
			if err := json.Unmarshal([]byte(c.role), &pr); err != nil {
				t.Fatal(err)
			}
			perm, err := policy.NewPermission(policy.NamedRole{Name: name, Role: pr})
			if err != nil {
				t.Fatal(err)
			}
			for _, ch := range c.checks {
				emu, pol := hasPrivilege(t, e, auth, ch), policyAnswer(t, perm, ch)
				label := describeCheck(ch)
				if emu != ch.want {
					t.Errorf("%s: sandbox _has_privileges says %v, Elasticsearch %v", label, emu, ch.want)
				}
				if pol != ch.want {
					t.Errorf("%s: policy says %v, Elasticsearch %v", label, pol, ch.want)
				}
			}
		})
	}
}

func describeCheck(c privCheck) string {
	s := ""
	switch {
	case c.cluster != "":
		s = "cluster " + c.cluster
	case c.index != "":
		s = fmt.Sprintf("index %s %s (allow_restricted_indices=%v)", c.priv, c.index, c.ari)
	default:
		s = fmt.Sprintf("application %s %s on %s", c.app, c.priv, c.res)
	}
	if c.note != "" {
		s += " [" + c.note + "]"
	}
	return s
}

func hasPrivilege(t *testing.T, e *env, auth string, c privCheck) bool {
	t.Helper()
	var body map[string]any
	switch {
	case c.cluster != "":
		body = map[string]any{"cluster": []string{c.cluster}}
	case c.index != "":
		body = map[string]any{"index": []map[string]any{{"names": []string{c.index}, "privileges": []string{c.priv},
			"allow_restricted_indices": c.ari}}}
	default:
		body = map[string]any{"application": []map[string]any{{"application": c.app, "privileges": []string{c.priv},
			"resources": []string{c.res}}}}
	}
	r := e.call("POST", "/_security/user/_has_privileges", auth, body)
	expectStatus(t, r, 200)
	all, _ := r.body["has_all_requested"].(bool)
	return all
}

func policyAnswer(t *testing.T, p *policy.Permission, c privCheck) bool {
	t.Helper()
	switch {
	case c.cluster != "":
		a, err := p.Cluster(c.cluster)
		if err != nil {
			t.Fatal(err)
		}
		return a.Allowed
	case c.index != "":
		a, err := p.Index(c.index, c.priv, c.ari)
		if err != nil {
			t.Fatal(err)
		}
		return a.Allowed
	}
	a, err := p.Application(c.app, c.res, c.priv)
	if err != nil {
		t.Fatal(err)
	}
	return a.Allowed
}

// Built-in roles are judged by the definitions the cluster reports: the
// policy reads them back from the sandbox and must answer like the sandbox's
// _has_privileges for users holding them, and for an API key limited by its
// superuser owner.
func TestBuiltinRolesAgreeWithPolicy(t *testing.T) {
	e := newEnv(t, FlavorStack)
	checks := []privCheck{
		{cluster: "all"}, {cluster: "manage_security"}, {cluster: "monitor"}, {cluster: "read_security"},
		{cluster: "manage_saml"}, {cluster: "manage_own_api_key"}, {cluster: "create_snapshot"},
		{index: "*", priv: "read"}, {index: "*", priv: "all"}, {index: "logs-a", priv: "read"}, {index: "logs-a", priv: "write"},
		{index: ".kibana", priv: "read"}, {index: ".security-7", priv: "read", ari: true}, {index: "*", priv: "view_index_metadata", ari: true},
		{index: "observability-annotations", priv: "write"}, {index: ".monitoring-es-1", priv: "read"},
		{index: "ilm-history-1", priv: "read"}, {index: ".alerts-x", priv: "write"},
		{app: "kibana-.kibana", res: "space:default", priv: "all"}, {app: "kibana-.kibana", res: "*", priv: "read"},
		{app: "kibana-.kibana", res: "*", priv: "feature_discover.all"},
	}
	for i, name := range []string{"superuser", "viewer", "editor", "kibana_admin", "monitoring_user", "snapshot_user", "kibana_system", "remote_monitoring_collector"} {
		t.Run(name, func(t *testing.T) {
			r := e.call("GET", "/_security/role/"+name, e.admin, nil)
			expectStatus(t, r, 200)
			raw, _ := json.Marshal(r.body[name])
			var def policy.Role
			if err := json.Unmarshal(raw, &def); err != nil {
				t.Fatal(err)
			}
			perm, err := policy.NewPermission(policy.NamedRole{Name: name, Role: def})
			if err != nil {
				t.Fatal(err)
			}
			auth := e.newUser(fmt.Sprintf("builtin_user_%d", i), []string{name})
			for _, ch := range checks {
				if emu, pol := hasPrivilege(t, e, auth, ch), policyAnswer(t, perm, ch); emu != pol {
					t.Errorf("%s: sandbox says %v, policy %v", describeCheck(ch), emu, pol)
				}
			}
		})
	}
	t.Run("API key limited by its owner", func(t *testing.T) {
		desc := `{"m":{"indices":[{"names":["metrics-*"],"privileges":["read","write"]}],"cluster":["monitor"]}}`
		var body map[string]any
		_ = json.Unmarshal([]byte(`{"name":"agree","expiration":"1d","role_descriptors":`+desc+`}`), &body)
		auth, _ := e.createKey(e.admin, body)
		var descs map[string]policy.Role
		_ = json.Unmarshal([]byte(desc), &descs)
		key, err := policy.NewPermission(policy.NamedRole{Name: "m", Role: descs["m"]})
		if err != nil {
			t.Fatal(err)
		}
		r := e.call("GET", "/_security/role/superuser", e.admin, nil)
		raw, _ := json.Marshal(r.body["superuser"])
		var su policy.Role
		_ = json.Unmarshal(raw, &su)
		owner, _ := policy.NewPermission(policy.NamedRole{Name: "superuser", Role: su})
		perm := key.Limit(owner)
		for _, ch := range append(checks, privCheck{index: "metrics-a", priv: "write"}, privCheck{index: "metrics-*", priv: "read"}) {
			if emu, pol := hasPrivilege(t, e, auth, ch), policyAnswer(t, perm, ch); emu != pol {
				t.Errorf("%s: sandbox says %v, policy %v", describeCheck(ch), emu, pol)
			}
		}
		if len(perm.Escalations()) != 0 {
			t.Errorf("a key limited to metrics-* is not an escalation: %+v", perm.Escalations())
		}
	})
}
