package stackemu

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/elastic/go-elasticsearch/v9"
	"github.com/elastic/go-elasticsearch/v9/typedapi/types"
	"github.com/elastic/go-elasticsearch/v9/typedapi/types/enums/clusterprivilege"
	"github.com/elastic/go-elasticsearch/v9/typedapi/types/enums/indexprivilege"

	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/fault"
)

// The official client refuses responses without X-Elastic-Product, decodes
// the typed API's bodies into Elastic's own structs, and retries on 502-504:
// these tests run it against the emulator.

func esClient(t *testing.T, e *env, opts ...elasticsearch.Option) *elasticsearch.Client {
	t.Helper()
	c, err := elasticsearch.New(append([]elasticsearch.Option{elasticsearch.WithAddresses(e.es.URL)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func readBody(t *testing.T, r io.Reader) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.NewDecoder(r).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestOfficialClientLowLevel(t *testing.T) {
	e := newEnv(t, FlavorStack)
	es := esClient(t, e, elasticsearch.WithBasicAuth(e.seed.AdminUsername, e.seed.AdminPassword))

	info, err := es.Info()
	if err != nil {
		t.Fatalf("info: %v", err)
	}
	info.Body.Close()

	res, err := es.Security.PutRole("go-client-role", strings.NewReader(
		`{"cluster":["monitor"],"indices":[{"names":["logs-*"],"privileges":["read"]}]}`))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("put role: %v %v", err, res)
	}
	if m := readBody(t, res.Body); m["role"].(map[string]any)["created"] != true {
		t.Errorf("put role body %v", m)
	}
	res.Body.Close()

	res, err = es.Security.PutRole("superuser", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if !res.IsError() || res.StatusCode != 400 || !strings.Contains(res.String(), "is reserved and may not be used") {
		t.Errorf("reserved role: %s", res.String())
	}
	res.Body.Close()

	res, err = es.Security.CreateAPIKey(strings.NewReader(`{"name":"from-go","role_descriptors":{"r":{"cluster":["monitor"]}}}`))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("create key: %v %v", err, res)
	}
	key := readBody(t, res.Body)
	res.Body.Close()

	asKey := esClient(t, e, elasticsearch.WithAPIKey(key["encoded"].(string)))
	res, err = asKey.Security.HasPrivileges(strings.NewReader(`{"cluster":["monitor","manage_security"]}`))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("has privileges: %v %v", err, res)
	}
	hp := readBody(t, res.Body)
	res.Body.Close()
	if hp["cluster"].(map[string]any)["monitor"] != true || hp["cluster"].(map[string]any)["manage_security"] != false {
		t.Errorf("has_privileges as key: %v", hp)
	}

	res, err = es.Security.GetUser(es.Security.GetUser.WithUsername("alice", "nobody"))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("get user: %v %v", err, res)
	}
	res.Body.Close()

	bad := esClient(t, e, elasticsearch.WithBasicAuth("admin", "wrong-password"))
	res, err = bad.Security.Authenticate()
	if err != nil {
		t.Fatalf("a 401 must reach the caller as a response, got %v", err)
	}
	if res.StatusCode != 401 {
		t.Errorf("status %d", res.StatusCode)
	}
	res.Body.Close()
}

func TestOfficialTypedClient(t *testing.T) {
	e := newEnv(t, FlavorStack)
	tc, err := elasticsearch.NewTyped(elasticsearch.WithAddresses(e.es.URL), elasticsearch.WithBasicAuth(e.seed.AdminUsername, e.seed.AdminPassword))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	auth, err := tc.Security.Authenticate().Do(ctx)
	if err != nil {
		t.Fatalf("authenticate: %v", err)
	}
	if auth.Username != "admin" || auth.AuthenticationRealm.Type != "file" {
		t.Errorf("authenticate = %+v", auth)
	}
	roles, err := tc.Security.GetRole().Name("pii-redacted-reader,hr-department-viewer").Do(ctx)
	if err != nil {
		t.Fatalf("get role: %v", err)
	}
	if len(roles["pii-redacted-reader"].Indices) != 1 || roles["hr-department-viewer"].Indices[0].Query == nil {
		t.Errorf("roles = %+v", roles)
	}
	users, err := tc.Security.GetUser().Do(ctx)
	if err != nil {
		t.Fatalf("get users: %v", err)
	}
	if users["hr-analyst"].Metadata["department"] == nil {
		t.Errorf("hr-analyst metadata: %+v", users["hr-analyst"])
	}
	keys, err := tc.Security.QueryApiKeys().Do(ctx)
	if err != nil {
		t.Fatalf("query api keys: %v", err)
	}
	if keys.Total < 2 {
		t.Errorf("keys total %d", keys.Total)
	}
	mappings, err := tc.Security.GetRoleMapping().Do(ctx)
	if err != nil {
		t.Fatalf("role mappings: %v", err)
	}
	if _, ok := mappings["saml-admins"]; !ok {
		t.Errorf("mappings = %v", mappings)
	}
	hp, err := tc.Security.HasPrivileges().Cluster(clusterprivilege.Monitor).
		Index(&types.IndexPrivilegesCheck{Names: []string{"logs-1"}, Privileges: []indexprivilege.IndexPrivilege{indexprivilege.Read}}).Do(ctx)
	if err != nil || !hp.HasAllRequested || !hp.Index["logs-1"]["read"] {
		t.Errorf("superuser has_privileges = %+v, %v", hp, err)
	}
	// Typed errors carry the status and the reason.
	_, err = tc.Security.DeleteRole("superuser").Do(ctx)
	var es *types.ElasticsearchError
	if !errors.As(err, &es) || es.Status != 400 || es.ErrorCause.Reason == nil ||
		*es.ErrorCause.Reason != "role [superuser] is reserved and cannot be deleted" {
		t.Errorf("delete reserved: %v", err)
	}
}

// Faults are observed from the official client: it retries 503 and gets
// through, surfaces a 429 with Retry-After, and fails on a dropped
// connection.
func TestFaultsSeenByOfficialClient(t *testing.T) {
	e := newEnv(t, FlavorStack)
	es := esClient(t, e, elasticsearch.WithBasicAuth(e.seed.AdminUsername, e.seed.AdminPassword))
	inj := e.c.ElasticsearchFaults()

	inj.Add(fault.Fault{Method: "GET", Path: "/_security/role/*", Kind: fault.Status, Status: 503, Times: 2})
	res, err := es.Security.GetRole(es.Security.GetRole.WithName("logs-reader"))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("after two 503s the client's retry must succeed: %v %v", err, res)
	}
	res.Body.Close()
	if len(inj.List()) != 0 {
		t.Errorf("fault should be used up: %v", inj.List())
	}

	inj.Add(fault.Fault{Path: "/_security/_authenticate", Kind: fault.RateLimit, RetryAfter: 7, Times: 1})
	res, err = es.Security.Authenticate()
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 429 || res.Header.Get("Retry-After") != "7" {
		t.Errorf("429: %d %v", res.StatusCode, res.Header)
	}
	if m := readBody(t, res.Body); m["error"].(map[string]any)["type"] == nil || m["status"] != 429.0 {
		t.Errorf("429 body is not an Elasticsearch envelope: %v", m)
	}
	res.Body.Close()

	inj.Add(fault.Fault{Path: "/_security/user", Kind: fault.Drop})
	if _, err = es.Security.GetUser(); err == nil {
		t.Error("a dropped connection must surface as an error")
	}
	inj.Clear()

	inj.Add(fault.Fault{Path: "/_security/user", Kind: fault.Malformed, Times: 1})
	tc, _ := elasticsearch.NewTyped(elasticsearch.WithAddresses(e.es.URL), elasticsearch.WithBasicAuth(e.seed.AdminUsername, e.seed.AdminPassword))
	if _, err := tc.Security.GetUser().Do(context.Background()); err == nil {
		t.Error("a malformed body must fail decoding")
	}
	inj.Add(fault.Fault{Path: "/_security/user", Kind: fault.Truncate, Times: 1})
	if _, err := tc.Security.GetUser().Do(context.Background()); err == nil {
		t.Error("a truncated body must fail")
	}
	inj.Add(fault.Fault{Path: "/_security/_authenticate", Kind: fault.Latency, Delay: 30 * time.Millisecond, Times: 1})
	start := time.Now()
	if _, err := tc.Security.Authenticate().Do(context.Background()); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < 30*time.Millisecond {
		t.Error("latency fault did not delay the answer")
	}
}
