package stackemu

import (
	"errors"
	"fmt"
	"sort"
)

// SeedInfo describes the demo data: which principals exist and how the
// sandbox operator can authenticate. Every secret is generated at run time.
type SeedInfo struct {
	// AdminUsername/AdminPassword: a file-realm superuser (stack); on
	// Serverless the operator principal's name and an empty password.
	AdminUsername, AdminPassword string
	// AdminAPIKey is the encoded form of an API key with full privileges,
	// owned by the admin; AdminAPIKeyID its id.
	AdminAPIKey, AdminAPIKeyID string
	Users                      []string
	Roles                      []string
	RoleMappings               []string
	APIKeyNames                []string
}

// Demo role bodies, in the Elasticsearch request form.
var demoRoles = []struct{ name, body string }{
	{"logs-reader", `{"description":"Logs Reader","indices":[{"names":["logs-*"],"privileges":["read","view_index_metadata"]}]}`},
	{"metrics-writer", `{"description":"Metrics Writer","cluster":["monitor"],"indices":[{"names":["metrics-*"],"privileges":["create_doc","view_index_metadata"]}]}`},
	{"pii-redacted-reader", `{"description":"Customers Reader (PII redacted)","indices":[{"names":["customers-*"],"privileges":["read","view_index_metadata"],"field_security":{"grant":["*"],"except":["ssn","credit_card"]},"query":"{\"term\":{\"region\":\"emea\"}}"}]}`},
	{"hr-department-viewer", `{"description":"HR Department Viewer","indices":[{"names":["hr-records*"],"privileges":["read","view_index_metadata"],"query":"{\"template\":{\"source\":\"{\\\"term\\\":{\\\"department\\\":\\\"{{_user.metadata.department}}\\\"}}\"}}","field_security":{"grant":["*"],"except":["ssn","salary","date_of_birth"]}}]}`},
	{"dashboard-reader", `{"description":"Dashboard Reader","applications":[{"application":"kibana-.kibana","privileges":["feature_dashboard.read","feature_discover.read"],"resources":["space:default"]}]}`},
	{"security-auditor", `{"description":"Security Auditor","cluster":["read_security","manage_own_api_key"],"metadata":{"owner":"security-team"}}`},
}

// SeedDemo fills the cluster with the demo data and returns how to use it.
func (c *Cluster) SeedDemo() SeedInfo {
	var info SeedInfo
	for _, r := range demoRoles {
		if err := c.PutRoleJSON(r.name, []byte(r.body)); err != nil {
			panic("stackemu: demo role " + r.name + ": " + err.Error())
		}
		info.Roles = append(info.Roles, r.name)
	}
	admin := &authn{username: "admin", roles: []string{"superuser"}, metadata: map[string]any{},
		realmName: "default_native", realmType: "native", authType: "realm"}
	if c.flavor == FlavorServerless {
		// No native realm on Serverless: the operator is a Cloud SAML user
		// who owns the admin API key.
		admin.realmName, admin.realmType = "cloud-saml-kibana", "saml"
		admin.roles = []string{"admin"} // Serverless's predefined admin role

		info.AdminUsername = "admin"
	} else {
		pw := randomSecret(18)
		info.AdminUsername, info.AdminPassword = "admin", pw
		// The operator is a file-realm superuser, as on a cluster set up
		// with elasticsearch-users: it is not one of the native users.
		mustSeed(c.AddFileUser("admin", pw, []string{"superuser"}))
		// The demo also has a native superuser of the same name, with a
		// password nobody knows, as many real clusters do: it is what an
		// access review flags, and the file realm answers first for the
		// operator's credentials. --seed none has no native user at all.
		mustSeed(c.putUser("admin", nil, []string{"superuser"}, nil, strPtr("Sandbox Administrator"), nil, true))
		mustSeed(c.putUser("alice", nil, []string{"viewer", "logs-reader"}, nil, strPtr("Alice Analyst"), strPtr("alice@example.com"), true))
		mustSeed(c.putUser("joe", nil, []string{"logs-reader", "metrics-writer"}, map[string]any{"team": "platform"}, strPtr("Joe Former"), nil, false))
		mustSeed(c.putUser("hr-analyst", nil, []string{"hr-department-viewer"}, map[string]any{"department": "hr"}, strPtr("Harriet Analyst"), strPtr("hr-analyst@example.com"), true))
		mustSeed(c.putUser("auditor", nil, []string{"security-auditor"}, nil, nil, nil, true))
		info.Users = []string{"admin", "alice", "auditor", "hr-analyst", "joe"}

		c.mu.Lock()
		c.mappings["saml-admins"] = &roleMapping{Enabled: true, Roles: []string{"superuser"}, Metadata: map[string]any{"owner": "platform-team"},
			Rules: &rule{kind: "all", children: []*rule{
				{kind: "field", field: "realm.name", values: []any{"saml1"}},
				{kind: "field", field: "groups", values: []any{"elastic-admins"}},
			}}}
		c.mappings["ldap-readers"] = &roleMapping{Enabled: true, Roles: []string{"logs-reader", "viewer"}, Metadata: map[string]any{},
			Rules: &rule{kind: "all", children: []*rule{
				{kind: "field", field: "realm.name", values: []any{"ldap1"}},
				{kind: "field", field: "groups", values: []any{"cn=log-readers,ou=groups,dc=example,dc=com"}},
				{kind: "except", children: []*rule{{kind: "field", field: "username", values: []any{"svc-*"}}}},
			}}}
		c.mu.Unlock()
		info.RoleMappings = []string{"ldap-readers", "saml-admins"}
		// Own the admin keys as the real admin user (full name included).
		if a := c.authenticateUser("admin", pw); a != nil {
			admin = a
		}
	}
	c.mu.Lock()
	if admin.perm.layers == nil {
		c.resolveRolesLocked(admin)
	}
	name := "sandbox-admin"
	adminKey := c.newAPIKeyLocked(admin, &apiKeyBody{name: &name, metadata: map[string]any{"purpose": "sandbox operator"}})
	ci := "ci-metrics"
	ciDesc, _ := parseRoleDescriptor("metrics-publisher", fromAny(map[string]any{
		"cluster": []string{"monitor"},
		"indices": []any{map[string]any{"names": []string{"metrics-*"}, "privileges": []string{"create_doc", "view_index_metadata"}}},
	}), c.apiKeyRoleOpts())
	c.newAPIKeyLocked(admin, &apiKeyBody{name: &ci, metadata: map[string]any{"environment": "ci", "team": "platform"},
		descNames: []string{"metrics-publisher"}, descs: map[string]*roleDescriptor{"metrics-publisher": ciDesc}})
	c.mu.Unlock()
	info.AdminAPIKey, _ = adminKey["encoded"].(string)
	info.AdminAPIKeyID, _ = adminKey["id"].(string)
	info.APIKeyNames = []string{"ci-metrics", "sandbox-admin"}
	sort.Strings(info.Roles)
	return info
}

func strPtr(s string) *string { return &s }

func mustSeed(err error) {
	if err != nil {
		panic("stackemu: seeding: " + err.Error())
	}
}

// PutUser creates or replaces a native user with the same checks as the
// API (name rules, reserved names, password length, metadata keys).
func (c *Cluster) PutUser(username, password string, roles []string, meta map[string]any) error {
	return c.putUser(username, &password, roles, meta, nil, nil, true)
}

// putUser stores a native user. A nil password is one nobody is ever told
// (the demo's users other than the operator): any password would do, so the
// user gets a hash that no password verifies against, at no hashing cost.
func (c *Cluster) putUser(username string, password *string, roles []string, meta map[string]any, fullName, email *string, enabled bool) error {
	if c.flavor == FlavorServerless {
		return errors.New("native users are not available on Serverless")
	}
	if msgs := validateUserTarget(username); msgs != nil {
		return errors.New(validationMessage(msgs))
	}
	if password != nil && javaLen(*password) < minPasswordLen {
		return errors.New(validationMessage([]string{passwordTooShortMsg()}))
	}
	if hasUnderscoreKey(meta) {
		return errors.New(validationMessage([]string{"metadata keys may not start with [_]"}))
	}
	if roles == nil {
		roles = []string{}
	}
	hash := unguessableHash()
	if password != nil {
		hash = mustHash(*password)
	}
	u := &user{Username: username, Roles: append([]string(nil), roles...), FullName: fullName, Email: email,
		Metadata: nonNilMap(meta), Enabled: enabled, Hash: hash}
	c.mu.Lock()
	c.users[username] = u
	c.mu.Unlock()
	return nil
}

// PutRoleJSON creates or replaces a native role from an Elasticsearch role
// body, with the same parsing and validation as PUT /_security/role/{name}.
func (c *Cluster) PutRoleJSON(name string, body []byte) error {
	v, err := parseJSON(body)
	if err != nil {
		return fmt.Errorf("role %s: %w", name, err)
	}
	d, e := c.parseRoleBody(name, v)
	if e == nil {
		e = c.checkRoleWrite(name, d)
	}
	if e != nil {
		return e
	}
	c.storeRole(name, d)
	return nil
}

// AddRoles adds n synthetic native roles (bench-role-00001...), for
// benchmarks against a cluster with thousands of roles.
func (c *Cluster) AddRoles(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	start := len(c.roles)
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("bench-role-%05d", start+i+1)
		desc := "Bench Role " + fmt.Sprint(start+i+1)
		c.roles[name] = &roleDescriptor{
			Cluster: []string{},
			Indices: []indexPriv{{Names: []string{fmt.Sprintf("bench-%d-*", (start+i)%50)},
				Privileges: []string{"read", "view_index_metadata"}}},
			Applications: []appPriv{},
			RunAs:        []string{},
			Metadata:     map[string]any{"synthetic": true, "batch": (start + i) / 1000},
			Description:  &desc,
		}
	}
}
