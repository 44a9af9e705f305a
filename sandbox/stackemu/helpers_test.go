package stackemu

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type env struct {
	t    *testing.T
	c    *Cluster
	seed SeedInfo
	es   *httptest.Server
	kb   *httptest.Server
	// admin is the Authorization header of the seeded administrator.
	admin string
	// offContract marks the next request as one the reference allows but the
	// contract's request schema does not (its response is still checked).
	offContract bool
	// offContractResponse does the same for a response.
	offContractResponse bool
}

// callOffContractResponse sends a request whose response follows the
// reference where the contract's response schema disagrees.
func (e *env) callOffContractResponse(method, path, auth string, body any) resp {
	e.t.Helper()
	e.offContractResponse = true
	defer func() { e.offContractResponse = false }()
	return e.call(method, path, auth, body)
}

// callOffContract sends a request that follows the reference where the
// contract disagrees; the reason is given at the call site.
func (e *env) callOffContract(method, path, auth string, body any) resp {
	e.t.Helper()
	e.offContract = true
	defer func() { e.offContract = false }()
	return e.call(method, path, auth, body)
}

func newEnv(t *testing.T, f Flavor) *env {
	t.Helper()
	c := New(Options{Flavor: f})
	return serveEnv(t, c, c.SeedDemo())
}

// newCleanEnv is a cluster seeded with the operator alone (--seed none), at
// a checkpoint, so Reset brings it back to that.
func newCleanEnv(t *testing.T, f Flavor) *env {
	t.Helper()
	c := New(Options{Flavor: f})
	seed := c.SeedOperator()
	c.Checkpoint()
	return serveEnv(t, c, seed)
}

func serveEnv(t *testing.T, c *Cluster, seed SeedInfo) *env {
	t.Helper()
	f := c.Flavor()
	e := &env{t: t, c: c, seed: seed, es: httptest.NewServer(c.Elasticsearch()), kb: httptest.NewServer(c.Kibana())}
	t.Cleanup(e.es.Close)
	t.Cleanup(e.kb.Close)
	if f == FlavorServerless {
		e.admin = "ApiKey " + seed.AdminAPIKey
	} else {
		e.admin = basic(seed.AdminUsername, seed.AdminPassword)
	}
	return e
}

func basic(user, pw string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pw))
}

type resp struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
	list   []any
}

// str digs a string out of the decoded body by dotted path.
func (r resp) get(path string) any {
	var cur any = r.body
	for _, p := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

func (r resp) str(path string) string {
	s, _ := r.get(path).(string)
	return s
}

// call sends a request and validates the exchange against the contract.
// body may be a string (sent verbatim), nil, or any JSON-marshalable value.
func (e *env) call(method, path, auth string, body any) resp {
	e.t.Helper()
	return e.callOn(e.es, method, path, auth, body, nil)
}

func (e *env) callOn(srv *httptest.Server, method, path, auth string, body any, hdr map[string]string) resp {
	e.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		raw, err = json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, srv.URL+path, bytes.NewReader(raw))
	if err != nil {
		e.t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	out := resp{status: res.StatusCode, header: res.Header}
	out.raw, _ = io.ReadAll(res.Body)
	if len(out.raw) > 0 {
		var v any
		if err := json.Unmarshal(out.raw, &v); err != nil {
			e.t.Fatalf("%s %s: body is not JSON: %v: %q", method, path, err, out.raw)
		}
		out.body, _ = v.(map[string]any)
		out.list, _ = v.([]any)
	}
	if srv == e.es {
		if got := res.Header.Get("X-Elastic-Product"); got != "Elasticsearch" {
			e.t.Errorf("%s %s: X-Elastic-Product = %q", method, path, got)
		}
		validateExchange(e.t, method, path, req.Header, raw, out.status, out.header, out.raw, !e.offContract, !e.offContractResponse)
	}
	return out
}

func (e *env) kibana(method, path, auth string, body any, xsrf bool) resp {
	e.t.Helper()
	h := map[string]string{}
	if xsrf {
		h["kbn-xsrf"] = "true"
	}
	return e.callOn(e.kb, method, path, auth, body, h)
}

func expectStatus(t *testing.T, r resp, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status = %d, want %d; body %s", r.status, want, r.raw)
	}
}

// expectError checks the Elasticsearch error envelope: status, type and the
// exact reason.
func expectError(t *testing.T, r resp, status int, typ, reason string) {
	t.Helper()
	expectStatus(t, r, status)
	if got := r.str("error.type"); got != typ {
		t.Errorf("error.type = %q, want %q; body %s", got, typ, r.raw)
	}
	if got := r.str("error.reason"); got != reason {
		t.Errorf("error.reason =\n  %q\nwant\n  %q", got, reason)
	}
	if rc, ok := r.get("error.root_cause").([]any); !ok || len(rc) == 0 {
		t.Errorf("error.root_cause missing: %s", r.raw)
	}
	if got, _ := r.body["status"].(float64); int(got) != status {
		t.Errorf("body status = %v, want %d", r.body["status"], status)
	}
}

// createKey creates an API key as auth and returns its encoded form and id.
func (e *env) createKey(auth string, body map[string]any) (string, string) {
	e.t.Helper()
	r := e.call("POST", "/_security/api_key", auth, body)
	expectStatus(e.t, r, 200)
	enc := r.str("encoded")
	dec, _ := base64.StdEncoding.DecodeString(enc)
	if string(dec) != r.str("id")+":"+r.str("api_key") {
		e.t.Fatalf("encoded %q is not base64(id:api_key)", enc)
	}
	return "ApiKey " + enc, r.str("id")
}

// newUser creates a native user through the API and returns its auth header.
func (e *env) newUser(name string, roles []string) string {
	e.t.Helper()
	pw := "pw-" + randomSecret(12)
	r := e.call("PUT", "/_security/user/"+name, e.admin, map[string]any{"password": pw, "roles": roles})
	expectStatus(e.t, r, 200)
	return basic(name, pw)
}

func newTestServer(t *testing.T, h http.Handler) *httptest.Server {
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}
