package tools_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/fault"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
)

// esPasswordOf reads the password the tool handed to the person.
func esPasswordOf(t *testing.T, out map[string]any) string {
	t.Helper()
	doc := servertest.ReadSecret(t, servertest.SecretLocation(t, out, "password_location"))
	if len(doc.Secret) < 20 {
		t.Fatalf("generated password too short: %d", len(doc.Secret))
	}
	return doc.Secret
}

func TestESGetUsers(t *testing.T) {
	h := esHarness(t, "stack")
	out := h.CallOK(t, "get_users", map[string]any{})
	var names []string
	for _, u := range asList(out["users"]) {
		names = append(names, asMap(u)["username"].(string))
	}
	if slices.Contains(names, "elastic") || !slices.Contains(names, "alice") || !slices.Contains(names, "hr-analyst") {
		t.Fatalf("users = %v", names)
	}
	out = h.CallOK(t, "get_users", map[string]any{"usernames": []any{"hr-analyst", "ghost"}})
	u := asMap(asList(out["users"])[0])
	if asMap(u["metadata"])["department"] != "hr" || dump(out["missing"]) != `["ghost"]` {
		t.Fatalf("get = %s", dump(out))
	}
	out = h.CallOK(t, "get_users", map[string]any{"role": "logs-reader"})
	for _, u := range asList(out["users"]) {
		if !slices.Contains(asStrings(asMap(u)["roles"]), "logs-reader") {
			t.Fatalf("role filter let through %v", u)
		}
	}
	mustContain(t, h.CallErr(t, "get_users", map[string]any{"usernames": []any{" bad"}}), "Invalid arguments")
}

func TestESCreateUser(t *testing.T) {
	h := esHarness(t, "stack")
	ctx := context.Background()
	// Validation and guardrails: nothing created.
	mustContain(t, h.CallErr(t, "create_user", map[string]any{"username": "elastic", "roles": []any{"viewer"}}), "reserved")
	mustContain(t, h.CallErr(t, "create_user", map[string]any{"username": "alice", "roles": []any{"viewer"}}), "already exists", "update_user")
	mustContain(t, h.CallErr(t, "create_user", map[string]any{"username": "zed", "roles": []any{"no-such-role"}}), "do not exist", "put_role")
	mustContain(t, h.CallErr(t, "create_user", map[string]any{"username": "zed", "roles": []any{"viewer"}, "email": "not-an-email"}), "email")
	mustContain(t, h.CallErr(t, "create_user", map[string]any{"username": "zed", "roles": []any{"viewer"}, "password": "x"}), "unknown argument")
	if _, ok := esReadUser(t, h, "zed"); ok {
		t.Fatal("invalid create made a user")
	}
	// A dry run creates nothing and writes no secret.
	out := h.CallOK(t, "create_user", map[string]any{"username": "zed", "roles": []any{"logs-reader"}, "dry_run": true})
	if out["dry_run"] != true || out["password_location"] != nil || len(h.SecretFiles(t)) != 0 {
		t.Fatalf("dry run = %s", dump(out))
	}
	if _, ok := esReadUser(t, h, "zed"); ok {
		t.Fatal("dry run created the user")
	}
	// Success: the password only in the secret file, and it works.
	out = h.CallOK(t, "create_user", map[string]any{"username": "zed", "roles": []any{"logs-reader"}, "full_name": "Zed", "email": "zed@example.com", "metadata": map[string]any{"team": "a"}})
	pw := esPasswordOf(t, out)
	if strings.Contains(dump(out), pw) {
		t.Fatal("the password reached the result")
	}
	me, err := esAs(t, h, esapi.Config{Username: "zed", Password: pw}).Authenticate(ctx)
	if err != nil || me.Username != "zed" || me.Roles[0] != "logs-reader" {
		t.Fatalf("login as the new user: %+v %v", me, err)
	}
}

func TestESUpdateUserKeepsRolesAndDisabledState(t *testing.T) {
	h := esHarness(t, "stack")
	// joe is disabled in the seed; adding a role must not re-enable him.
	out := h.CallOK(t, "update_user", map[string]any{"username": "joe", "add_roles": []any{"dashboard-reader"}})
	mustContain(t, dump(out["roles_added"]), "dashboard-reader")
	u, _ := esReadUser(t, h, "joe")
	if u.Enabled || !slices.Contains(u.Roles, "logs-reader") || !slices.Contains(u.Roles, "metrics-writer") || !slices.Contains(u.Roles, "dashboard-reader") {
		t.Fatalf("joe after add = %+v", u)
	}
	if u.FullName == nil || *u.FullName != "Joe Former" || u.Metadata["team"] != "platform" {
		t.Fatalf("joe lost details: %+v", u)
	}
	// Removing is approved (Accept) and keeps the rest.
	h.CallOK(t, "update_user", map[string]any{"username": "joe", "remove_roles": []any{"metrics-writer"}})
	u, _ = esReadUser(t, h, "joe")
	if slices.Contains(u.Roles, "metrics-writer") || !slices.Contains(u.Roles, "logs-reader") {
		t.Fatalf("joe after remove = %v", u.Roles)
	}
	mustContain(t, h.CallErr(t, "update_user", map[string]any{"username": "joe", "set_roles": []any{"viewer"}, "add_roles": []any{"x"}}), "do not combine")
	mustContain(t, h.CallErr(t, "update_user", map[string]any{"username": "joe"}), "nothing to change")
	mustContain(t, h.CallErr(t, "update_user", map[string]any{"username": "ghost", "add_roles": []any{"viewer"}}), "does not exist")
	mustContain(t, h.CallErr(t, "update_user", map[string]any{"username": "joe", "add_roles": []any{"nope"}}), "do not exist")
	mustContain(t, h.CallErr(t, "update_user", map[string]any{"username": "kibana_system", "add_roles": []any{"viewer"}}), "reserved")

	// Removal is refused without the destructive allowance, and declined removal changes nothing.
	wo := esHarness(t, "stack", func(o *servertest.Options) { o.AllowDestructive = false })
	mustContain(t, wo.CallErr(t, "update_user", map[string]any{"username": "alice", "remove_roles": []any{"viewer"}}), "--allow-destructive")
	dec := esHarness(t, "stack", func(o *servertest.Options) { o.Elicit = servertest.Decline })
	dec.CallErr(t, "update_user", map[string]any{"username": "alice", "set_roles": []any{"viewer"}})
	if u, _ := esReadUser(t, dec, "alice"); !slices.Contains(u.Roles, "logs-reader") {
		t.Fatal("declined set_roles removed a role")
	}
	// Upstream failure on the write.
	h.Sandbox.Stack.ElasticsearchFaults().Add(fault.Fault{Method: "PUT", Path: "/_security/user/*", Kind: fault.Status, Status: 500, Times: 5})
	mustContain(t, h.CallErr(t, "update_user", map[string]any{"username": "alice", "add_roles": []any{"dashboard-reader"}}), "500")
	if u, _ := esReadUser(t, h, "alice"); slices.Contains(u.Roles, "dashboard-reader") {
		t.Fatal("failed update changed the user")
	}
}

func TestESSetUserEnabledResetPasswordDelete(t *testing.T) {
	h := esHarness(t, "stack", func(o *servertest.Options) { o.ESBasicAuth = true })
	ctx := context.Background()
	out := h.CallOK(t, "set_user_enabled", map[string]any{"username": "alice", "enabled": false, "dry_run": true})
	if u, _ := esReadUser(t, h, "alice"); !u.Enabled || out["dry_run"] != true {
		t.Fatal("dry-run disable changed alice")
	}
	out = h.CallOK(t, "set_user_enabled", map[string]any{"username": "alice", "enabled": false})
	if out["changed"] != true {
		t.Fatalf("disable = %s", dump(out))
	}
	if u, _ := esReadUser(t, h, "alice"); u.Enabled {
		t.Fatal("alice still enabled")
	}
	out = h.CallOK(t, "set_user_enabled", map[string]any{"username": "alice", "enabled": false})
	if out["changed"] != false {
		t.Fatal("second disable reported a change")
	}
	h.CallOK(t, "set_user_enabled", map[string]any{"username": "alice", "enabled": true})
	// The server never locks itself out.
	mustContain(t, h.CallErr(t, "set_user_enabled", map[string]any{"username": "admin", "enabled": false}), "runs as")
	mustContain(t, h.CallErr(t, "reset_user_password", map[string]any{"username": "admin"}), "runs as")
	mustContain(t, h.CallErr(t, "delete_users", map[string]any{"usernames": []any{"admin"}}), "runs as")

	out = h.CallOK(t, "reset_user_password", map[string]any{"username": "alice"})
	pw := esPasswordOf(t, out)
	if _, err := esAs(t, h, esapi.Config{Username: "alice", Password: pw}).Authenticate(ctx); err != nil {
		t.Fatalf("new password does not work: %v", err)
	}

	mustContain(t, h.CallErr(t, "delete_users", map[string]any{"usernames": []any{"elastic"}}), "reserved")
	out = h.CallOK(t, "delete_users", map[string]any{"usernames": []any{"alice", "ghost"}})
	if dump(out["deleted"]) != `["alice"]` || dump(out["not_found"]) != `["ghost"]` {
		t.Fatalf("delete = %s", dump(out))
	}
	if _, ok := esReadUser(t, h, "alice"); ok {
		t.Fatal("alice still exists")
	}
}

func TestESUsersServerless(t *testing.T) {
	h := esHarness(t, "serverless")
	for _, call := range []struct {
		tool string
		args map[string]any
	}{
		{"get_users", map[string]any{}},
		{"create_user", map[string]any{"username": "bob", "roles": []any{"viewer"}}},
		{"update_user", map[string]any{"username": "bob", "add_roles": []any{"viewer"}}},
		{"set_user_enabled", map[string]any{"username": "bob", "enabled": false}},
		{"reset_user_password", map[string]any{"username": "bob"}},
		{"delete_users", map[string]any{"usernames": []any{"bob"}}},
	} {
		mustContain(t, h.CallErr(t, call.tool, call.args), "do not exist on Elasticsearch Serverless", "invite_org_members", "assign_project_custom_role")
	}
}

func TestESResetPasswordDryRunWritesNoSecret(t *testing.T) {
	h := esHarness(t, "stack")
	out := h.CallOK(t, "reset_user_password", map[string]any{"username": "alice", "dry_run": true})
	if out["dry_run"] != true || len(asList(out["would_send"])) != 1 || len(h.SecretFiles(t)) != 0 || out["password_location"] != nil {
		t.Fatalf("dry run = %s, files %v", dump(out), h.SecretFiles(t))
	}
}
