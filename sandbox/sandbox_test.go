package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func get(t *testing.T, url, auth string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, m
}

func TestStartPublishesWorkingSettings(t *testing.T) {
	for _, flavor := range []string{"stack", "serverless"} {
		t.Run(flavor, func(t *testing.T) {
			sb, err := Start(Options{Flavor: flavor})
			if err != nil {
				t.Fatal(err)
			}
			defer sb.Close()
			vars := map[string]string{}
			for _, kv := range sb.Vars() {
				vars[kv[0]] = kv[1]
			}
			for _, k := range []string{"EC_BASE_URL", "EC_API_KEY", "EC_MEMBER_API_KEY", "ELASTICSEARCH_URL", "ELASTICSEARCH_API_KEY", "ELASTICSEARCH_USERNAME", "KIBANA_URL"} {
				if vars[k] == "" {
					t.Errorf("%s is empty", k)
				}
			}
			if status, _ := get(t, vars["EC_BASE_URL"]+"/api/v1/organizations", "ApiKey "+vars["EC_API_KEY"]); status != http.StatusOK {
				t.Errorf("Cloud API with the owner key: %d", status)
			}
			status, who := get(t, vars["ELASTICSEARCH_URL"]+"/_security/_authenticate", "ApiKey "+vars["ELASTICSEARCH_API_KEY"])
			if status != http.StatusOK || who["username"] == nil {
				t.Errorf("Elasticsearch with the admin key: %d %v", status, who)
			}
			if flavor == "stack" && vars["ELASTICSEARCH_PASSWORD"] == "" {
				t.Error("stack flavour publishes no admin password")
			}
			if status, root := get(t, vars["ELASTICSEARCH_URL"]+"/", "ApiKey "+vars["ELASTICSEARCH_API_KEY"]); status != http.StatusOK ||
				!strings.Contains(jsonString(root), map[string]string{"stack": `"build_flavor":"default"`, "serverless": `"build_flavor":"serverless"`}[flavor]) {
				t.Errorf("GET / of the %s flavour: %d %v", flavor, status, root)
			}
			if len(sb.Secrets()) < 3 {
				t.Errorf("Secrets() lists %d credentials", len(sb.Secrets()))
			}
		})
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// A Serverless project's Elasticsearch accepts a Cloud API key with the
// application_roles it holds for that project, and nothing else.
func TestCloudKeysAuthenticateToTheirProjectsOnly(t *testing.T) {
	sb, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	search := sb.Project(sb.CloudSeed.Projects["elasticsearch"].ID)
	obs := sb.Project(sb.CloudSeed.Projects["observability"].ID)
	if search == nil || obs == nil {
		t.Fatal("demo projects are not running")
	}
	if search.ElasticsearchURL != sb.CloudSeed.Projects["elasticsearch"].ElasticsearchURL {
		t.Fatalf("the Cloud API publishes %s for the search project, which runs at %s", sb.CloudSeed.Projects["elasticsearch"].ElasticsearchURL, search.ElasticsearchURL)
	}
	owner, member := "ApiKey "+sb.CloudSeed.OwnerAPIKey, "ApiKey "+sb.CloudSeed.MemberAPIKey
	if status, who := get(t, search.ElasticsearchURL+"/_security/_authenticate", owner); status != http.StatusOK || !strings.Contains(jsonString(who["roles"]), "admin") {
		t.Errorf("owner key (organization-wide admin stack access) on the search project: %d %v", status, who)
	}
	if status, who := get(t, search.ElasticsearchURL+"/_security/_authenticate", member); status != http.StatusOK || !strings.Contains(jsonString(who["roles"]), "viewer") {
		t.Errorf("member key (viewer on search-demo) on the search project: %d %v", status, who)
	}
	if status, _ := get(t, obs.ElasticsearchURL+"/_security/_authenticate", member); status != http.StatusUnauthorized {
		t.Errorf("member key on a project it has no roles in: %d, want 401", status)
	}
	if status, _ := get(t, search.ElasticsearchURL+"/_security/_authenticate", "ApiKey essu_not-a-real-key"); status != http.StatusUnauthorized {
		t.Errorf("unknown Cloud key: %d, want 401", status)
	}
	// The default stack cluster is not a project: Cloud keys do not work there.
	if status, _ := get(t, sb.ElasticsearchURL+"/_security/_authenticate", owner); status != http.StatusUnauthorized {
		t.Errorf("Cloud key on the stack cluster: %d, want 401", status)
	}
}

func TestFaultAdminAPI(t *testing.T) {
	sb, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	body := strings.NewReader(`{"method":"GET","path":"/api/v1/organizations","kind":"status","status":503,"times":1}`)
	resp, err := http.Post(sb.CloudURL+"/_sandbox/faults", "application/json", body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("add fault: %d", resp.StatusCode)
	}
	if status, _ := get(t, sb.CloudURL+"/api/v1/organizations", "ApiKey "+sb.CloudSeed.OwnerAPIKey); status != http.StatusServiceUnavailable {
		t.Fatalf("injected fault not served: %d", status)
	}
	if status, _ := get(t, sb.CloudURL+"/api/v1/organizations", "ApiKey "+sb.CloudSeed.OwnerAPIKey); status != http.StatusOK {
		t.Fatalf("fault with times=1 fired twice: %d", status)
	}
}

func TestStartRefusesBadOptions(t *testing.T) {
	if _, err := Start(Options{Listen: "0.0.0.0:0"}); err == nil {
		t.Error("sandbox started off loopback")
	}
	if _, err := Start(Options{Flavor: "cloud"}); err == nil {
		t.Error("unknown flavour accepted")
	}
}

// A Cloud key's application_roles must resolve to real privileges in the
// project: the owner key's organization-wide "admin" can manage security.
func TestCloudKeyStackAccessHasPrivileges(t *testing.T) {
	sb, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	search := sb.Project(sb.CloudSeed.Projects["elasticsearch"].ID)
	for key, want := range map[string]bool{sb.CloudSeed.OwnerAPIKey: true, sb.CloudSeed.MemberAPIKey: false} {
		req, _ := http.NewRequest(http.MethodPost, search.ElasticsearchURL+"/_security/user/_has_privileges",
			strings.NewReader(`{"cluster":["manage_security"]}`))
		req.Header.Set("Authorization", "ApiKey "+key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || body["has_all_requested"] != want {
			t.Errorf("manage_security for a key that should have it=%v: %d %v", want, resp.StatusCode, body)
		}
	}
}
