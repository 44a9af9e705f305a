package tools_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/cloudemu"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
)

func TestCloudListAPIKeys(t *testing.T) {
	h := cloudHarness(t, nil)
	out := h.CallOK(t, "list_cloud_api_keys", nil)
	keys := asList(out["keys"])
	if len(keys) != 2 {
		t.Fatalf("keys = %v", keys)
	}
	byID := map[string]map[string]any{}
	for _, k := range keys {
		km := k.(map[string]any)
		byID[km["id"].(string)] = km
	}
	owner, member := byID[seed(h).OwnerAPIKeyID], byID[seed(h).MemberAPIKeyID]
	if owner["server_key"] != true || member["server_key"] == true {
		t.Fatalf("server key not recognised: %v", out)
	}
	if owner["stack_access"] != true || member["days_to_expiry"].(float64) < 88 {
		t.Fatalf("keys = %v", out)
	}
	mustContain(t, asJSON(member["scope"]), "elasticsearch-viewer on elasticsearch projects")
	mustNotContain(t, asJSON(out), seed(h).OwnerAPIKey, seed(h).MemberAPIKey, "essu_")
	if n := len(asList(h.CallOK(t, "list_cloud_api_keys", map[string]any{"description": "MEMBER"})["keys"])); n != 1 {
		t.Fatalf("description filter = %d keys", n)
	}
}

func TestCloudCreateAPIKeyReuseAndSecrets(t *testing.T) {
	h := cloudHarness(t, nil)
	args := map[string]any{"description": "ci-deploy", "expiration": "7d",
		"roles": []any{map[string]any{"scope": "project", "role": "admin", "project_ids": []any{"obs-demo"}}}, "stack_access": []any{"viewer"}}

	// Dry run: nothing created, no secret.
	dry := h.CallOK(t, "create_cloud_api_key", withDry(args))
	if dry["dry_run"] != true || dry["key_location"] != nil || len(h.SecretFiles(t)) != 0 {
		t.Fatalf("dry run = %v", dry)
	}
	if n := len(asList(h.CallOK(t, "list_cloud_api_keys", nil)["keys"])); n != 2 {
		t.Fatalf("a dry run created a key: %d keys", n)
	}

	res := h.Call(t, "create_cloud_api_key", args)
	if res.IsError {
		t.Fatal(servertest.Text(res))
	}
	out := h.CallOK(t, "list_cloud_api_keys", map[string]any{"description": "ci-deploy"})
	if len(asList(out["keys"])) != 1 {
		t.Fatalf("keys = %v", out)
	}
	created := servertest.Text(res)
	mustNotContain(t, created, "essu_")
	mustContain(t, created, "observability-admin", "key_location")
	files := h.SecretFiles(t)
	if len(files) != 1 {
		t.Fatalf("secret files = %v", files)
	}
	doc := servertest.ReadSecret(t, files[0])
	if !strings.HasPrefix(doc.Secret, "essu_") {
		t.Fatalf("secret file holds %q", doc.Label)
	}
	if _, ok := h.Sandbox.Cloud.AuthenticateKey(doc.Secret); !ok {
		t.Fatal("the withheld secret is not a working key")
	}
	if st, err := os.Stat(files[0]); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("secret file mode = %v, %v", st.Mode(), err)
	}

	// The same purpose again: the existing key is returned, not a new one.
	again := h.CallOK(t, "create_cloud_api_key", args)
	if again["reused"] != true || again["key_location"] != nil {
		t.Fatalf("second call = %v", again)
	}
	if n := len(asList(h.CallOK(t, "list_cloud_api_keys", nil)["keys"])); n != 3 {
		t.Fatalf("keys after reuse = %d, want 3", n)
	}
	args["force_new"] = true
	if out := h.CallOK(t, "create_cloud_api_key", args); out["reused"] == true || out["key_location"] == nil {
		t.Fatalf("force_new = %v", out)
	}
	if n := len(asList(h.CallOK(t, "list_cloud_api_keys", nil)["keys"])); n != 4 {
		t.Fatalf("keys after force_new = %d, want 4", n)
	}
}

func TestCloudCreateAPIKeyValidation(t *testing.T) {
	h := cloudHarness(t, func(o *servertest.Options) { o.Limits.MaxCloudKeyExpiration = 30 * 24 * time.Hour })
	base := func() map[string]any {
		return map[string]any{"description": "k", "expiration": "7d",
			"roles": []any{map[string]any{"scope": "project", "project_type": "elasticsearch", "role": "viewer", "all": true}}}
	}
	bad := []func(m map[string]any){
		func(m map[string]any) { m["expiration"] = "31d" },
		func(m map[string]any) { delete(m, "expiration") },
		func(m map[string]any) { delete(m, "roles") },
		func(m map[string]any) { m["description"] = "  " },
		func(m map[string]any) { m["stack_access"] = []any{""} },
		func(m map[string]any) {
			m["roles"] = []any{map[string]any{"scope": "deployment", "role": "editor", "all": true}}
			m["stack_access"] = []any{"viewer"}
		},
	}
	for i, mod := range bad {
		args := base()
		mod(args)
		if msg := h.CallErr(t, "create_cloud_api_key", args); !strings.Contains(msg, "Invalid arguments") {
			t.Fatalf("case %d: %s", i, msg)
		}
	}
	if n := len(asList(h.CallOK(t, "list_cloud_api_keys", nil)["keys"])); n != 2 || len(h.SecretFiles(t)) != 0 {
		t.Fatalf("validation failures created keys: %d", n)
	}
}

func TestCloudDeleteAPIKeys(t *testing.T) {
	h := cloudHarness(t, nil)
	msg := h.CallErr(t, "delete_cloud_api_keys", map[string]any{"ids": []any{seed(h).OwnerAPIKeyID}})
	mustContain(t, msg, "this server runs with")
	mustContain(t, h.CallErr(t, "delete_cloud_api_keys", map[string]any{"ids": []any{"nope"}}), "list_cloud_api_keys")

	declined := cloudHarness(t, func(o *servertest.Options) { o.Elicit = servertest.Decline })
	mustContain(t, declined.CallErr(t, "delete_cloud_api_keys", map[string]any{"ids": []any{seed(declined).MemberAPIKeyID}}), "declined")
	if _, ok := declined.Sandbox.Cloud.AuthenticateKey(seed(declined).MemberAPIKey); !ok {
		t.Fatal("a declined deletion deleted the key")
	}

	dry := h.CallOK(t, "delete_cloud_api_keys", map[string]any{"ids": []any{seed(h).MemberAPIKeyID}, "dry_run": true})
	mustContain(t, asJSON(dry["would_send"]), `"method":"DELETE"`, seed(h).MemberAPIKeyID)
	if _, ok := h.Sandbox.Cloud.AuthenticateKey(seed(h).MemberAPIKey); !ok {
		t.Fatal("a dry run deleted the key")
	}
	out := h.CallOK(t, "delete_cloud_api_keys", map[string]any{"ids": []any{seed(h).MemberAPIKeyID, "gone"}})
	if len(asList(out["deleted"])) != 1 || len(asList(out["not_found"])) != 1 {
		t.Fatalf("delete = %v", out)
	}
	if _, ok := h.Sandbox.Cloud.AuthenticateKey(seed(h).MemberAPIKey); ok {
		t.Fatal("the key still works")
	}
	mustContain(t, h.Audit(), "cloud_key:"+seed(h).MemberAPIKeyID)
}

func TestCloudWhoami(t *testing.T) {
	h := cloudHarness(t, nil)
	out := h.CallOK(t, "whoami", nil)
	cloud, _ := out["cloud"].(map[string]any)
	if cloud["organization_name"] != cloudemu.DemoOrganizationName || cloud["organization_id"] != seed(h).OrganizationID {
		t.Fatalf("whoami cloud = %v", cloud)
	}
	if cloud["role"] != "organization-admin" || cloud["key_id"] != seed(h).OwnerAPIKeyID || cloud["key_expires"] == nil {
		t.Fatalf("whoami cloud = %v", cloud)
	}
	if d, _ := cloud["key_days_left"].(float64); d < 88 || d > 90 {
		t.Fatalf("key_days_left = %v", cloud["key_days_left"])
	}
}
