package sandbox

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func send(t *testing.T, method, url, auth, body string) int {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// --seed none: the owner alone in the organization, the file-realm operator
// alone in Elasticsearch; POST /_sandbox/reset undoes changes made through
// either API and the printed credentials keep working.
func TestSeedNoneAndReset(t *testing.T) {
	sb, err := Start(Options{Seed: SeedNone})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	vars := map[string]string{}
	for _, kv := range sb.Vars() {
		vars[kv[0]] = kv[1]
	}
	if _, ok := vars["EC_MEMBER_API_KEY"]; ok {
		t.Error("--seed none publishes a member key")
	}
	admin := "Basic " + base64.StdEncoding.EncodeToString([]byte(vars["ELASTICSEARCH_USERNAME"]+":"+vars["ELASTICSEARCH_PASSWORD"]))
	owner := "ApiKey " + vars["EC_API_KEY"]
	status, who := get(t, sb.ElasticsearchURL+"/_security/_authenticate", admin)
	if status != http.StatusOK || jsonString(who["authentication_realm"]) != `{"name":"default_file","type":"file"}` {
		t.Fatalf("operator: %d %v", status, who)
	}
	_, users := get(t, sb.ElasticsearchURL+"/_security/_query/user", admin)
	if users["total"] != float64(0) {
		t.Errorf("native users with --seed none: %v", users)
	}
	orgPath := sb.CloudURL + "/api/v1/organizations/" + sb.CloudSeed.OrganizationID
	_, members := get(t, orgPath+"/members", owner)
	if n := len(members["members"].([]any)); n != 1 {
		t.Errorf("%d members with --seed none", n)
	}
	_, invs := get(t, orgPath+"/invitations", owner)
	if n := len(invs["invitations"].([]any)); n != 0 {
		t.Errorf("%d invitations with --seed none", n)
	}

	if s := send(t, "PUT", sb.ElasticsearchURL+"/_security/user/temp", admin, `{"password":"temp-password","roles":[]}`); s != 200 {
		t.Fatalf("create user: %d", s)
	}
	if s := send(t, "POST", orgPath+"/invitations", owner, `{"emails":["new@example.com"]}`); s != 201 && s != 200 {
		t.Fatalf("invite: %d", s)
	}
	if s := send(t, "GET", sb.KibanaURL+"/_sandbox/reset", "", ""); s != http.StatusMethodNotAllowed {
		t.Errorf("GET /_sandbox/reset: %d, want 405", s)
	}
	if s := send(t, "POST", sb.KibanaURL+"/_sandbox/reset", "", ""); s != http.StatusOK {
		t.Fatalf("reset: %d", s)
	}
	if s, _ := get(t, sb.ElasticsearchURL+"/_security/user/temp", admin); s != http.StatusNotFound {
		t.Errorf("user survived the reset: %d", s)
	}
	if _, invs := get(t, orgPath+"/invitations", owner); len(invs["invitations"].([]any)) != 0 {
		t.Errorf("invitation survived the reset: %v", invs)
	}
}

// Reset through the Go API restores the demo content of every emulator,
// Serverless projects included.
func TestResetRestoresDemo(t *testing.T) {
	sb, err := Start(Options{Flavor: "serverless"})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	key := "ApiKey " + sb.StackSeed.AdminAPIKey
	if s := send(t, "DELETE", sb.ElasticsearchURL+"/_security/role/logs-reader", key, ""); s != 200 {
		t.Fatalf("delete role: %d", s)
	}
	owner := "ApiKey " + sb.CloudSeed.OwnerAPIKey
	if s := send(t, "DELETE", sb.CloudURL+"/api/v1/organizations/"+sb.CloudSeed.OrganizationID+"/members/"+sb.CloudSeed.Members["bob@example.com"], owner, ""); s != 200 {
		t.Fatalf("remove member: %d", s)
	}
	sb.Reset()
	if s, _ := get(t, sb.ElasticsearchURL+"/_security/role/logs-reader", key); s != 200 {
		t.Errorf("project role after reset: %d", s)
	}
	_, members := get(t, sb.CloudURL+"/api/v1/organizations/"+sb.CloudSeed.OrganizationID+"/members", owner)
	if n := len(members["members"].([]any)); n != 4 {
		t.Errorf("%d members after reset, want 4", n)
	}
}

// A custom role created in a project's Elasticsearch appears at once in the
// Cloud API's role list of that project, and in no other project's.
func TestProjectRoleListIncludesCustomRoles(t *testing.T) {
	sb, err := Start(Options{Seed: SeedNone, Flavor: "serverless"})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	owner := "ApiKey " + sb.CloudSeed.OwnerAPIKey
	search := sb.CloudSeed.Projects["elasticsearch"].ID
	if s := send(t, "PUT", sb.ElasticsearchURL+"/_security/role/support-reader", owner,
		`{"description":"Support reader","indices":[{"names":["support-*"],"privileges":["read"]}]}`); s != 200 {
		t.Fatalf("create role in the project: %d", s)
	}
	_, body := get(t, sb.CloudURL+"/api/v1/serverless/projects/elasticsearch/"+search+"/roles", owner)
	roles := jsonString(body)
	if !strings.Contains(roles, `{"description":"Support reader","name":"support-reader"}`) || !strings.Contains(roles, `"name":"viewer"`) {
		t.Errorf("project roles: %s", roles)
	}
	// The project's Elasticsearch lists Serverless's predefined roles, not
	// the stack's reserved ones.
	_, esRoles := get(t, sb.ElasticsearchURL+"/_security/role", owner)
	if _, ok := esRoles["superuser"]; ok {
		t.Errorf("a Serverless project lists superuser: %v", esRoles)
	}
	if _, ok := esRoles["developer"]; !ok {
		t.Errorf("the search project lacks its predefined developer role: %v", esRoles)
	}
}

// The admin API answers loopback callers only: a reset from another address
// is refused and changes nothing.
func TestResetRefusesRemoteCallers(t *testing.T) {
	sb, err := Start(Options{Seed: SeedNone})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	admin := "Basic " + base64.StdEncoding.EncodeToString([]byte(sb.StackSeed.AdminUsername+":"+sb.StackSeed.AdminPassword))
	if s := send(t, "PUT", sb.ElasticsearchURL+"/_security/role/kept", admin, `{}`); s != 200 {
		t.Fatalf("create role: %d", s)
	}
	h := sb.withAdmin(sb.Stack.Elasticsearch(), sb.Stack.ElasticsearchFaults())
	for _, path := range []string{"/_sandbox/reset", "/_sandbox/faults"} {
		req := httptest.NewRequest(http.MethodPost, path, nil)
		req.RemoteAddr = "192.0.2.10:40000"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusForbidden {
			t.Errorf("%s from a remote address: %d", path, rec.Code)
		}
	}
	if s, _ := get(t, sb.ElasticsearchURL+"/_security/role/kept", admin); s != 200 {
		t.Errorf("a refused reset changed the cluster: %d", s)
	}
}
