package esapi_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/fault"
	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/stackemu"
)

// A gateway error on a write that mints a secret must not be retried: the
// first attempt may have been applied, and a second would create a second
// key whose secret nobody ever sees.
func TestESClientNeverRetriesAWriteThatMayHaveArrived(t *testing.T) {
	for _, status := range []int{502, 503, 504} {
		e := newEnv(t, stackemu.FlavorStack)
		e.cluster.ElasticsearchFaults().Add(fault.Fault{Method: "POST", Path: "/_security/api_key", Kind: fault.Status, Status: status, Times: 1})
		_, err := e.client.CreateAPIKey(context.Background(), esapi.CreateAPIKeyRequest{Name: "k", Expiration: "1d"})
		if err == nil {
			t.Fatalf("%d: the write must fail, not be repeated until it succeeds", status)
		}
		if n := e.rec.count("POST", "/_security/api_key"); n != 1 {
			t.Errorf("%d: POST /_security/api_key sent %d times", status, n)
		}
		if want := status != 503; esapi.MaybeApplied(err) != want {
			t.Errorf("%d: MaybeApplied = %v, want %v (%v)", status, !want, want, err)
		}
	}
}

func TestESClientLostAnswerOfAWriteSaysItMayHaveBeenApplied(t *testing.T) {
	e := newEnv(t, stackemu.FlavorStack)
	faults := e.cluster.ElasticsearchFaults()
	faults.Add(fault.Fault{Method: "POST", Path: "/_security/user/*/_password", Kind: fault.Drop, Times: 1})
	err := e.client.ChangePassword(context.Background(), e.seed.AdminUsername, "a-new-password-123")
	if !esapi.MaybeApplied(err) || !strings.Contains(err.Error(), "may have been applied") {
		t.Fatalf("lost answer of a password change = %v; it must say it may have been applied", err)
	}
	// A read whose answer is lost is simply repeated.
	faults.Add(fault.Fault{Method: "GET", Path: "/_security/_authenticate", Kind: fault.Drop, Times: 1})
	if _, err := e.client.Authenticate(context.Background()); err != nil {
		t.Fatalf("a dropped read must be retried: %v", err)
	}
}

func TestESClientRefusedConnectionIsNotMaybeApplied(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	c, err := esapi.New(esapi.Config{URL: "http://" + addr, APIKey: "eA==", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateAPIKey(context.Background(), esapi.CreateAPIKeyRequest{Name: "k"})
	if err == nil || esapi.MaybeApplied(err) {
		t.Fatalf("refused connection = %v; nothing was sent, so it cannot have been applied", err)
	}
}

// Retries and their backoff fit inside the caller's deadline: a persistent
// 503 is reported as such before the deadline, not as a timeout after it.
func TestESClientRetriesFitInsideTheDeadline(t *testing.T) {
	e := newEnv(t, stackemu.FlavorStack)
	e.cluster.ElasticsearchFaults().Add(fault.Fault{Path: "/_security/_authenticate", Kind: fault.Status, Status: 503})
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	_, err := e.client.Authenticate(ctx)
	if !esapi.IsStatus(err, 503) {
		t.Fatalf("err = %v, want the 503 itself", err)
	}
}

func TestESClientProductCheck(t *testing.T) {
	srv := newPlainServer(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{"username":"x"}`)) })
	c, err := esapi.New(esapi.Config{URL: srv, APIKey: "eA=="})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Authenticate(context.Background()); err == nil || !strings.Contains(err.Error(), "not Elasticsearch") {
		t.Fatalf("an answer without X-Elastic-Product = %v", err)
	}
}

func TestIsReadRequestUsesARouteTable(t *testing.T) {
	cases := []struct {
		method, path string
		read         bool
	}{
		{"GET", "/_security/role/x", true},
		{"POST", "/_security/_query/api_key", true},
		{"POST", "/_security/user/_has_privileges", true},
		{"POST", "/_security/user/bob/_has_privileges", true},
		{"POST", "/_security/_authenticate", true},
		{"POST", "/prefix/_security/_query/api_key", true},
		// A user named "ops/_query/x": its password reset is a write.
		{"POST", "/_security/user/ops%2F_query%2Fx/_password", false},
		{"POST", "/_security/user/x%2F_has_privileges/_password", false},
		{"POST", "/_security/api_key", false},
		{"POST", "/_security/somethingnew", false},
		{"PUT", "/_security/role/_query", false},
		{"DELETE", "/_security/api_key", false},
	}
	for _, c := range cases {
		if got := esapi.IsReadRequest(c.method, c.path); got != c.read {
			t.Errorf("IsReadRequest(%s %s) = %v, want %v", c.method, c.path, got, c.read)
		}
	}
}

func newPlainServer(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// Credentials written into the URL authenticate, but the URL is only ever
// shown without them.
func TestURLCredentialsAreUsedButNeverShown(t *testing.T) {
	var gotAuth string
	srv := newPlainServer(t, func(w http.ResponseWriter, r *http.Request) {
		gotAuth = r.Header.Get("Authorization")
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
		_, _ = w.Write([]byte(`{"username":"ops"}`))
	})
	withCreds := strings.Replace(srv, "http://", "http://ops:s3cret-pass@", 1)
	c, err := esapi.New(esapi.Config{URL: withCreds})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Authenticate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(gotAuth, "Basic ") {
		t.Errorf("the URL's credentials were not sent: %q", gotAuth)
	}
	if strings.Contains(c.URL(), "s3cret") || esapi.RedactURL(withCreds) != srv {
		t.Errorf("URL() = %q, RedactURL = %q", c.URL(), esapi.RedactURL(withCreds))
	}
	k, err := esapi.NewKibana(esapi.KibanaConfig{URL: withCreds})
	if err != nil || strings.Contains(k.URL(), "s3cret") {
		t.Errorf("Kibana URL() = %q, %v", k.URL(), err)
	}
}

// A PUT may be repeated, but when every attempt loses its answer the write
// may still have been applied, and the caller must be told so.
func TestESClientPUTWhoseAnswersAreAllLostMayHaveBeenApplied(t *testing.T) {
	for _, kind := range []fault.Fault{
		{Method: "PUT", Path: "/_security/user/*", Kind: fault.Truncate},
		{Method: "PUT", Path: "/_security/user/*", Kind: fault.Status, Status: 504},
	} {
		e := newEnv(t, stackemu.FlavorStack)
		e.cluster.ElasticsearchFaults().Add(kind)
		_, err := e.client.PutUser(context.Background(), "carol", esapi.PutUserBody{Password: "a-long-password-1", Roles: []string{"viewer"}, Enabled: true})
		if err == nil || !esapi.MaybeApplied(err) {
			t.Errorf("%s: PUT with every answer lost = %v, want MaybeApplied", kind.Kind, err)
		}
	}
	// A read is never "maybe applied".
	e := newEnv(t, stackemu.FlavorStack)
	e.cluster.ElasticsearchFaults().Add(fault.Fault{Method: "GET", Path: "/_security/user/*", Kind: fault.Drop})
	if _, err := e.client.GetUsers(context.Background(), "carol"); err == nil || esapi.MaybeApplied(err) {
		t.Errorf("a lost read = %v; it changes nothing", err)
	}
}

// The "empty lists are [], never null" rule lives in the clients: a role
// with no cluster privileges, indices or run_as is written without a null.
func TestPutRoleNeverSendsNull(t *testing.T) {
	var bodies []string
	srv := newPlainServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
		if strings.HasPrefix(r.URL.Path, "/api/") {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		_, _ = w.Write([]byte(`{"role":{"created":true}}`))
	})
	es, err := esapi.New(esapi.Config{URL: srv, APIKey: "eA=="})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := es.PutRole(context.Background(), "r", esapi.RoleDescriptor{Description: "nothing yet"}); err != nil {
		t.Fatal(err)
	}
	kb, err := esapi.NewKibana(esapi.KibanaConfig{URL: srv, APIKey: "eA=="})
	if err != nil {
		t.Fatal(err)
	}
	if err := kb.PutRole(context.Background(), "r", esapi.KibanaRole{Description: "nothing yet"}); err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 2 {
		t.Fatalf("%d requests", len(bodies))
	}
	for _, b := range bodies {
		if strings.Contains(b, "null") {
			t.Errorf("a role body carries null: %s", b)
		}
	}
	for _, want := range []string{`"cluster":[]`, `"indices":[]`, `"run_as":[]`, `"kibana":[]`} {
		if !strings.Contains(bodies[1], want) {
			t.Errorf("the Kibana role body lacks %s: %s", want, bodies[1])
		}
	}
}

// A Kibana role write whose answer is lost may have been applied, and says
// so; a read that fails the same way does not.
func TestKibanaLostAnswerOfAWriteSaysItMayHaveBeenApplied(t *testing.T) {
	e := newEnv(t, stackemu.FlavorStack)
	kbSrv := httptest.NewServer(e.cluster.Kibana())
	t.Cleanup(kbSrv.Close)
	kb, err := esapi.NewKibana(esapi.KibanaConfig{URL: kbSrv.URL, APIKey: e.seed.AdminAPIKey})
	if err != nil {
		t.Fatal(err)
	}
	faults := e.cluster.KibanaFaults()
	for _, f := range []fault.Fault{
		{Method: "PUT", Path: "/api/security/role/*", Kind: fault.Truncate, Times: 1},
		{Method: "PUT", Path: "/api/security/role/*", Kind: fault.Drop, Times: 1},
		{Method: "PUT", Path: "/api/security/role/*", Kind: fault.Status, Status: 504, Times: 1},
	} {
		faults.Add(f)
		err := kb.PutRole(context.Background(), "kb-role", esapi.KibanaRole{Kibana: []esapi.KibanaPrivileges{{Base: []string{"read"}, Spaces: []string{"*"}}}})
		if !esapi.MaybeApplied(err) || !strings.Contains(err.Error(), "may have been applied") {
			t.Errorf("%s: lost answer of a Kibana role write = %v", f.Kind, err)
		}
	}
	faults.Add(fault.Fault{Method: "GET", Path: "/api/security/role/*", Kind: fault.Drop})
	if _, _, err := kb.GetRole(context.Background(), "kb-role"); esapi.MaybeApplied(err) {
		t.Errorf("a lost read = %v; it changes nothing", err)
	}
}
