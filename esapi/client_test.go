package esapi_test

import (
	"context"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/fault"
	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/stackemu"
)

// recording is a transport that remembers what went through it, standing in
// for the server's dry-run wrapper: every request must pass here.
type recording struct {
	mu   sync.Mutex
	reqs []*http.Request
	next http.RoundTripper
}

func (r *recording) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req.Clone(context.Background()))
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

func (r *recording) count(method, path string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, q := range r.reqs {
		if q.Method == method && q.URL.Path == path {
			n++
		}
	}
	return n
}

func (r *recording) last() *http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reqs[len(r.reqs)-1]
}

type env struct {
	cluster *stackemu.Cluster
	seed    stackemu.SeedInfo
	url     string
	rec     *recording
	client  *esapi.Client
}

func newEnv(t *testing.T, flavor stackemu.Flavor) *env {
	t.Helper()
	cl := stackemu.New(stackemu.Options{Flavor: flavor})
	seed := cl.SeedDemo()
	srv := httptest.NewServer(cl.Elasticsearch())
	t.Cleanup(srv.Close)
	rec := &recording{next: http.DefaultTransport}
	c, err := esapi.New(esapi.Config{URL: srv.URL, APIKey: seed.AdminAPIKey, Transport: rec, UserAgent: "elastic-access-mcp/test", MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	return &env{cluster: cl, seed: seed, url: srv.URL, rec: rec, client: c}
}

func (e *env) as(t *testing.T, user, password string) *esapi.Client {
	t.Helper()
	c, err := esapi.New(esapi.Config{URL: e.url, Username: user, Password: password, Transport: e.rec})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestESClientAuthenticateFlavorAndHeaders(t *testing.T) {
	e := newEnv(t, stackemu.FlavorStack)
	ctx := esapi.WithOpaqueID(context.Background(), "trace-42")
	me, err := e.client.Authenticate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if me.Username != "admin" || me.AuthenticationType != "api_key" || me.APIKey == nil || me.APIKey.ID != e.seed.AdminAPIKeyID {
		t.Fatalf("authenticate = %+v", me)
	}
	req := e.rec.last()
	if got := req.Header.Get("X-Opaque-Id"); got != "trace-42" {
		t.Errorf("X-Opaque-Id = %q", got)
	}
	if got := req.Header.Get("User-Agent"); got != "elastic-access-mcp/test" {
		t.Errorf("User-Agent = %q", got)
	}
	if got := req.Header.Get("Authorization"); !strings.HasPrefix(strings.ToLower(got), "apikey ") {
		t.Errorf("Authorization scheme = %q", got)
	}
	for i := 0; i < 3; i++ {
		f, err := e.client.Flavor(context.Background())
		if err != nil || f != esapi.FlavorStack {
			t.Fatalf("flavor = %q, %v", f, err)
		}
	}
	if n := e.rec.count("GET", "/"); n != 1 {
		t.Errorf("GET / sent %d times; the flavour must be detected once", n)
	}
	// Without an opaque id in the context each request still gets one.
	if _, err := e.client.Authenticate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if id := e.rec.last().Header.Get("X-Opaque-Id"); !strings.HasPrefix(id, "elastic-access-mcp:") {
		t.Errorf("generated X-Opaque-Id = %q", id)
	}
}

func TestESClientServerlessFlavor(t *testing.T) {
	e := newEnv(t, stackemu.FlavorServerless)
	f, err := e.client.Flavor(context.Background())
	if err != nil || f != esapi.FlavorServerless {
		t.Fatalf("flavor = %q, %v", f, err)
	}
	_, err = e.client.GetUsers(context.Background())
	var ee *esapi.Error
	if !errors.As(err, &ee) || ee.Status != http.StatusGone {
		t.Fatalf("GET users on serverless: %v", err)
	}
}

func TestESClientBuiltinPrivilegesCached(t *testing.T) {
	e := newEnv(t, stackemu.FlavorStack)
	for i := 0; i < 3; i++ {
		b, err := e.client.Builtin(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !contains(b.Cluster, "manage_security") || !contains(b.Index, "view_index_metadata") {
			t.Fatalf("builtin lists are missing well-known names: %v / %v", b.Cluster, b.Index)
		}
	}
	if n := e.rec.count("GET", "/_security/privilege/_builtin"); n != 1 {
		t.Errorf("_builtin read %d times; it must be cached", n)
	}
}

func TestESClientRolesRoundTrip(t *testing.T) {
	e := newEnv(t, stackemu.FlavorStack)
	ctx := context.Background()
	name := "emea reader?#1" // needs escaping in a path
	created, err := e.client.PutRole(ctx, name, esapi.RoleDescriptor{
		Description: "EMEA",
		Cluster:     []string{},
		Indices: []esapi.IndexPrivileges{{Names: esapi.StringList{"sales-*"}, Privileges: []string{"read"},
			FieldSecurity: &esapi.FieldSecurity{Grant: []string{"*"}, Except: []string{"ssn"}},
			Query:         `{"term":{"region":"emea"}}`}},
		Applications: []esapi.ApplicationPrivileges{},
		RunAs:        []string{},
	})
	if err != nil || !created {
		t.Fatalf("put role: created=%v err=%v", created, err)
	}
	roles, err := e.client.GetRoles(ctx, name, "no-such-role")
	if err != nil {
		t.Fatal(err)
	}
	r, ok := roles[name]
	if !ok || len(roles) != 1 {
		t.Fatalf("get roles = %v", esapi.SortedKeys(roles))
	}
	if r.Indices[0].Query != `{"term":{"region":"emea"}}` || r.Indices[0].FieldSecurity.Except[0] != "ssn" || r.Description != "EMEA" {
		t.Fatalf("role read back = %+v", r)
	}
	none, err := e.client.GetRoles(ctx, "missing-a", "missing-b")
	if err != nil || len(none) != 0 {
		t.Fatalf("GET of missing roles must be empty, not an error: %v %v", none, err)
	}
	all, err := e.client.GetRoles(ctx)
	if err != nil || !esapi.IsReserved(all["superuser"].Metadata) || esapi.IsReserved(all["logs-reader"].Metadata) {
		t.Fatalf("all roles: superuser reserved=%v logs-reader reserved=%v err=%v", esapi.IsReserved(all["superuser"].Metadata), esapi.IsReserved(all["logs-reader"].Metadata), err)
	}
	found, err := e.client.DeleteRole(ctx, name)
	if err != nil || !found {
		t.Fatalf("delete: %v %v", found, err)
	}
	found, err = e.client.DeleteRole(ctx, name)
	if err != nil || found {
		t.Fatalf("second delete must report not found: %v %v", found, err)
	}
}

func TestESClientErrorsAreDecoded(t *testing.T) {
	e := newEnv(t, stackemu.FlavorStack)
	ctx := context.Background()
	// A validation error.
	_, err := e.client.PutRole(ctx, "bad", esapi.RoleDescriptor{Cluster: []string{"no_such_privilege"}})
	var ee *esapi.Error
	if !errors.As(err, &ee) || ee.Status != 400 || ee.Type != "action_request_validation_exception" || !strings.Contains(ee.Reason, "no_such_privilege") {
		t.Fatalf("validation error = %#v", err)
	}
	if !strings.HasPrefix(ee.Summary(), "400 action_request_validation_exception: ") {
		t.Errorf("summary = %q", ee.Summary())
	}
	// A 403 for a user without manage_security.
	if err := e.cluster.PutUser("reader", "reader-password", []string{"logs-reader"}, nil); err != nil {
		t.Fatal(err)
	}
	_, err = e.as(t, "reader", "reader-password").PutRole(ctx, "x", esapi.RoleDescriptor{})
	if !errors.As(err, &ee) || ee.HTTPStatus() != 403 || ee.Type != "security_exception" || !strings.Contains(ee.Summary(), "is unauthorized for user [reader]") {
		t.Fatalf("403 = %#v", err)
	}
	// Bad credentials.
	_, err = e.as(t, "reader", "wrong-password").Authenticate(ctx)
	if !esapi.IsStatus(err, 401) {
		t.Fatalf("401 = %v", err)
	}
	// The DLS parse error's real reason is in caused_by.
	_, err = e.client.PutRole(ctx, "dls", esapi.RoleDescriptor{Indices: []esapi.IndexPrivileges{{Names: esapi.StringList{"a"}, Privileges: []string{"read"}, Query: `{"no_such_query":{}}`}}})
	if !errors.As(err, &ee) || ee.Status != 400 || ee.CausedBy == "" || !strings.Contains(ee.Summary(), "caused by") {
		t.Fatalf("DLS error = %#v", err)
	}
}

func TestESClientFaults(t *testing.T) {
	e := newEnv(t, stackemu.FlavorStack)
	ctx := context.Background()
	faults := e.cluster.ElasticsearchFaults()

	// One 503 is retried transparently.
	faults.Add(fault.Fault{Path: "/_security/_authenticate", Kind: fault.Status, Status: 503, Times: 1})
	if _, err := e.client.Authenticate(ctx); err != nil {
		t.Fatalf("a single 503 must be retried: %v", err)
	}
	// A persistent 500 is not retried and is reported with its status.
	faults.Add(fault.Fault{Path: "/_security/_authenticate", Kind: fault.Status, Status: 500, Times: 1})
	_, err := e.client.Authenticate(ctx)
	if !esapi.IsStatus(err, 500) {
		t.Fatalf("500 = %v", err)
	}
	// A malformed body is an error, not a panic or a zero value.
	faults.Add(fault.Fault{Path: "/_security/_authenticate", Kind: fault.Malformed, Times: 1})
	if _, err := e.client.Authenticate(ctx); err == nil || !strings.Contains(err.Error(), "not the expected JSON") {
		t.Fatalf("malformed = %v", err)
	}
	// A POST whose connection drops is not repeated (it may have been applied).
	faults.Add(fault.Fault{Method: "POST", Path: "/_security/api_key", Kind: fault.Drop, Times: 5})
	before := e.rec.count("POST", "/_security/api_key")
	_, err = e.as(t, e.seed.AdminUsername, e.seed.AdminPassword).CreateAPIKey(ctx, esapi.CreateAPIKeyRequest{Name: "k", Expiration: "1d"})
	if err == nil {
		t.Fatal("dropped connection must fail")
	}
	if n := e.rec.count("POST", "/_security/api_key") - before; n != 1 {
		t.Errorf("POST sent %d times after a dropped connection; it must not be retried", n)
	}
	faults.Clear()
	// Context cancellation stops a slow call.
	faults.Add(fault.Fault{Path: "/_security/_authenticate", Kind: fault.Latency, Delay: 500 * time.Millisecond, Times: 1})
	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := e.client.Authenticate(cctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("deadline = %v", err)
	}
}

func TestESClientUsersMappingsKeysAndPrivileges(t *testing.T) {
	e := newEnv(t, stackemu.FlavorStack)
	ctx := context.Background()
	fn := "Bob Builder"
	created, err := e.client.PutUser(ctx, "bob", esapi.PutUserBody{Password: "bob-password-123", Roles: []string{"logs-reader"}, FullName: &fn, Enabled: true})
	if err != nil || !created {
		t.Fatalf("put user: %v %v", created, err)
	}
	if err := e.client.SetUserEnabled(ctx, "bob", false); err != nil {
		t.Fatal(err)
	}
	users, err := e.client.GetUsers(ctx, "bob")
	if err != nil || users["bob"].Enabled || *users["bob"].FullName != fn {
		t.Fatalf("user = %+v, %v", users["bob"], err)
	}
	if err := e.client.SetUserEnabled(ctx, "bob", true); err != nil {
		t.Fatal(err)
	}
	if err := e.client.ChangePassword(ctx, "bob", "new-bob-password"); err != nil {
		t.Fatal(err)
	}
	bob := e.as(t, "bob", "new-bob-password")
	hp, err := bob.HasPrivileges(ctx, esapi.HasPrivilegesRequest{Cluster: []string{"monitor"},
		Index: []esapi.IndexPrivilegeCheck{{Names: []string{"logs-app"}, Privileges: []string{"read", "write"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if hp.Username != "bob" || hp.HasAllRequested || !hp.Index["logs-app"]["read"] || hp.Index["logs-app"]["write"] || hp.Cluster["monitor"] {
		t.Fatalf("has_privileges = %+v", hp)
	}
	if found, err := e.client.DeleteUser(ctx, "bob"); err != nil || !found {
		t.Fatalf("delete user: %v %v", found, err)
	}

	m := esapi.RoleMapping{Enabled: false, Roles: []string{"logs-reader"}, Rules: map[string]any{"field": map[string]any{"groups": "readers"}}}
	if created, err := e.client.PutRoleMapping(ctx, "readers", m); err != nil || !created {
		t.Fatalf("put mapping: %v %v", created, err)
	}
	maps, err := e.client.GetRoleMappings(ctx)
	if err != nil || maps["readers"].Enabled || maps["readers"].Roles[0] != "logs-reader" || len(maps) < 3 {
		t.Fatalf("mappings = %+v, %v", maps, err)
	}
	if found, err := e.client.DeleteRoleMapping(ctx, "readers"); err != nil || !found {
		t.Fatalf("delete mapping: %v %v", found, err)
	}

	// An API key may only create keys without privileges; a user may.
	admin := e.as(t, e.seed.AdminUsername, e.seed.AdminPassword)
	key, err := admin.CreateAPIKey(ctx, esapi.CreateAPIKeyRequest{Name: "metrics-reader-key", Expiration: "1d",
		RoleDescriptors: map[string]esapi.RoleDescriptor{"metrics-reader": {Indices: []esapi.IndexPrivileges{{Names: esapi.StringList{"metrics-*"}, Privileges: []string{"read"}}}}}})
	if err != nil || key.ID == "" || key.Encoded == "" || key.Expiration == 0 {
		t.Fatalf("create key = %+v, %v", key, err)
	}
	q, err := e.client.QueryAPIKeys(ctx, map[string]any{"query": map[string]any{"term": map[string]any{"name": "metrics-reader-key"}}})
	if err != nil || q.Total != 1 || q.APIKeys[0].ID != key.ID || q.APIKeys[0].RoleDescriptors["metrics-reader"].Indices[0].Names[0] != "metrics-*" {
		t.Fatalf("query = %+v, %v", q, err)
	}
	inv, err := e.client.InvalidateAPIKeys(ctx, esapi.InvalidateAPIKeysRequest{IDs: []string{key.ID}})
	if err != nil || len(inv.Invalidated) != 1 || inv.Invalidated[0] != key.ID {
		t.Fatalf("invalidate = %+v, %v", inv, err)
	}
}

func TestKibanaClient(t *testing.T) {
	cl := stackemu.New(stackemu.Options{Flavor: stackemu.FlavorStack})
	seed := cl.SeedDemo()
	var sawXSRF []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		sawXSRF = append(sawXSRF, r.Method+" "+r.Header.Get("kbn-xsrf"))
		mu.Unlock()
		cl.Kibana().ServeHTTP(w, r)
	}))
	defer srv.Close()
	rec := &recording{next: http.DefaultTransport}
	k, err := esapi.NewKibana(esapi.KibanaConfig{URL: srv.URL, APIKey: seed.AdminAPIKey, Transport: rec})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	role := esapi.KibanaRole{Description: "Logs Dashboard Viewer",
		Elasticsearch: esapi.KibanaESPart{Cluster: []string{}, RunAs: []string{}, Indices: []esapi.IndexPrivileges{{Names: esapi.StringList{"logs-*"}, Privileges: []string{"read", "view_index_metadata"}}}},
		Kibana:        []esapi.KibanaPrivileges{{Base: []string{}, Feature: map[string][]string{"dashboard": {"read"}, "discover": {"read"}}, Spaces: []string{"*"}}}}
	if err := k.PutRole(ctx, "logs-dashboard-viewer", role); err != nil {
		t.Fatal(err)
	}
	got, found, err := k.GetRole(ctx, "logs-dashboard-viewer")
	if err != nil || !found || got.Kibana[0].Feature["dashboard"][0] != "read" || got.Elasticsearch.Indices[0].Names[0] != "logs-*" {
		t.Fatalf("get = %+v %v %v", got, found, err)
	}
	if rec.count("PUT", "/api/security/role/logs-dashboard-viewer") != 1 {
		t.Error("the Kibana client must send through the configured transport")
	}
	_, found, err = k.GetRole(ctx, "no-such-role")
	if err != nil || found {
		t.Fatalf("missing role: %v %v", found, err)
	}
	// A schema error comes back decoded from Kibana's body.
	bad := role
	bad.Kibana = []esapi.KibanaPrivileges{{Base: []string{"all"}, Feature: map[string][]string{"dashboard": {"read"}}, Spaces: []string{"*"}}}
	err = k.PutRole(ctx, "bad", bad)
	var ee *esapi.Error
	if !errors.As(err, &ee) || ee.Status != 400 || ee.Service != "kibana" || ee.Reason == "" {
		t.Fatalf("kibana error = %#v", err)
	}
	if found, err := k.DeleteRole(ctx, "logs-dashboard-viewer"); err != nil || !found {
		t.Fatalf("delete: %v %v", found, err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, s := range sawXSRF {
		if !strings.HasPrefix(s, "GET") && !strings.HasSuffix(s, " true") {
			t.Errorf("write without kbn-xsrf: %q", s)
		}
	}
}

func TestESClientCustomCA(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"username":"tls-user","roles":[],"authentication_type":"realm"}`))
	}))
	defer srv.Close()
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	untrusted, err := esapi.New(esapi.Config{URL: srv.URL, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := untrusted.Authenticate(ctx); err == nil {
		t.Fatal("a self-signed certificate must not be trusted without the CA")
	}
	for name, cfg := range map[string]esapi.Config{
		"ca file":  {URL: srv.URL, CACert: path},
		"ca pem":   {URL: srv.URL, CACert: string(certPEM)},
		"insecure": {URL: srv.URL, Insecure: true},
	} {
		c, err := esapi.New(cfg)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if me, err := c.Authenticate(ctx); err != nil || me.Username != "tls-user" {
			t.Fatalf("%s: %v %v", name, me, err)
		}
	}
	// A wrapping transport under a CA is refused at construction, because
	// its TLS settings could not be applied.
	if _, err := esapi.New(esapi.Config{URL: srv.URL, CACert: path, Transport: &recording{next: http.DefaultTransport}}); err == nil {
		t.Fatal("a wrapper transport with a CA must be refused")
	}
	// The server builds the base first and wraps it: that works.
	base, err := esapi.BaseTransport(path, false)
	if err != nil {
		t.Fatal(err)
	}
	c, err := esapi.New(esapi.Config{URL: srv.URL, Transport: &recording{next: base}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Authenticate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := esapi.BaseTransport("-----BEGIN CERTIFICATE-----\nnot a cert\n-----END CERTIFICATE-----\n", false); err == nil {
		t.Fatal("garbage PEM must be refused")
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
