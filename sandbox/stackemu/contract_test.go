package stackemu

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/contracts"
)

// The Elasticsearch contract (sandbox/contracts/elasticsearch-security.openapi.json)
// is loaded once per test binary. Every request a test expects to succeed and
// every response the emulator sends through the test helpers is validated
// against it; error bodies against _types.ErrorResponseBase, because the
// contract declares only 200 responses.

type contract struct {
	doc    *openapi3.T
	router *pathRouter
	errSch *openapi3.Schema
}

var (
	contractOnce sync.Once
	contractVal  *contract
	contractErr  string
)

func loadContract(t testing.TB) *contract {
	t.Helper()
	contractOnce.Do(func() {
		// Embedded from sandbox/contracts: the tests need nothing outside
		// the repository.
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(contracts.ElasticsearchSecurity)
		if err != nil {
			contractErr = "loading contract: " + err.Error()
			return
		}
		// The document is not validated as a whole (that takes seconds and
		// trips on the upstream examples, see contracts/README); requests are
		// routed by matching the path templates directly.
		r := &pathRouter{doc: doc}
		ref := doc.Components.Schemas["_types.ErrorResponseBase"]
		if ref == nil || ref.Value == nil {
			contractErr = "contract has no _types.ErrorResponseBase"
			return
		}
		contractVal = &contract{doc: doc, router: r, errSch: ref.Value}
	})
	if contractVal == nil {
		t.Fatalf("contract: %s", contractErr)
	}
	return contractVal
}

// validateExchange checks one request/response pair against the contract.
// The request is checked only when checkRequest is set (validation tests send
// invalid bodies on purpose).
func validateExchange(t testing.TB, method, path string, reqHeader http.Header, reqBody []byte, status int,
	respHeader http.Header, respBody []byte, checkRequest, checkResponse bool) {
	t.Helper()
	if !checkResponse {
		return // the caller documents why this exchange is off-contract
	}
	for _, err := range checkExchange(loadContract(t), method, path, reqHeader, reqBody, status, respHeader, respBody, checkRequest) {
		t.Errorf("contract: %s %s: %v", method, path, err)
	}
}

func checkExchange(c *contract, method, path string, reqHeader http.Header, reqBody []byte, status int,
	respHeader http.Header, respBody []byte, checkRequest bool) []error {
	if !strings.HasPrefix(path, "/_security/") {
		return nil
	}
	if status >= 400 {
		var v any
		if err := json.Unmarshal(respBody, &v); err != nil {
			return []error{fmt.Errorf("error body is not JSON: %w", err)}
		}
		if m, ok := v.(map[string]any); ok {
			if _, plain := m["error"].(string); plain {
				return nil // 405 and "no handler" answers carry a plain string, as Elasticsearch does
			}
			if _, hasErr := m["error"]; !hasErr {
				return nil // 404 {} and {"found":false} are not error envelopes
			}
		}
		if err := c.errSch.VisitJSON(v); err != nil {
			return []error{fmt.Errorf("error body does not match _types.ErrorResponseBase: %w\n%s", err, respBody)}
		}
		return nil
	}
	req, _ := http.NewRequest(method, "http://localhost"+path, bytes.NewReader(reqBody))
	for k, v := range reqHeader {
		req.Header[k] = v
	}
	if len(reqBody) > 0 && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		return nil // endpoints outside the contract
	}
	var errs []error
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil && checkRequest {
		errs = append(errs, fmt.Errorf("request does not match: %w\n%s", err, reqBody))
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: respHeader,
		Body: io.NopCloser(bytes.NewReader(respBody)), Options: opts}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		errs = append(errs, fmt.Errorf("response does not match: %w\n%s", err, respBody))
	}
	return errs
}

func TestContractLoads(t *testing.T) {
	c := loadContract(t)
	if len(c.doc.Paths.Map()) < 20 {
		t.Fatalf("contract has %d paths, want the security paths", len(c.doc.Paths.Map()))
	}
}

// pathRouter finds the contract operation of a request; literal segments win
// over {param} segments, as in Elasticsearch.
type pathRouter struct{ doc *openapi3.T }

func (p *pathRouter) FindRoute(req *http.Request) (*routers.Route, map[string]string, error) {
	segs := strings.Split(strings.Trim(req.URL.Path, "/"), "/")
	var best *routers.Route
	var bestParams map[string]string
	bestLiterals := -1
	for tmpl, item := range p.doc.Paths.Map() {
		op := item.GetOperation(req.Method)
		if op == nil {
			continue
		}
		ts := strings.Split(strings.Trim(tmpl, "/"), "/")
		if len(ts) != len(segs) {
			continue
		}
		params := map[string]string{}
		literals := 0
		ok := true
		for i, t := range ts {
			if strings.HasPrefix(t, "{") {
				params[strings.Trim(t, "{}")] = segs[i]
				continue
			}
			if t != segs[i] {
				ok = false
				break
			}
			literals++
		}
		if ok && literals > bestLiterals {
			best = &routers.Route{Spec: p.doc, Path: tmpl, PathItem: item, Method: req.Method, Operation: op}
			bestParams, bestLiterals = params, literals
		}
	}
	if best == nil {
		return nil, nil, routers.ErrPathNotFound
	}
	return best, bestParams, nil
}

// The checks must be able to fail: a response of the wrong shape and an
// error body that is not an envelope are both reported.
func TestContractCatchesMismatch(t *testing.T) {
	c := loadContract(t)
	h := http.Header{"Content-Type": []string{"application/json"}}
	if errs := checkExchange(c, "GET", "/_security/user/x", nil, nil, 200, h,
		[]byte(`{"x":{"username":"x","roles":"r","metadata":{},"enabled":"yes"}}`), true); len(errs) == 0 {
		t.Error("a user with roles as a string and enabled as a string passed the contract")
	}
	if errs := checkExchange(c, "PUT", "/_security/role/x", nil, []byte(`{"cluster":"all"}`), 200, h,
		[]byte(`{"role":{"created":true}}`), true); len(errs) == 0 {
		t.Error("a role request with cluster as a string passed the contract")
	}
	if errs := checkExchange(c, "GET", "/_security/user/x", nil, nil, 400, h, []byte(`{"error":{"reason":1},"status":"x"}`), true); len(errs) == 0 {
		t.Error("a malformed error envelope passed")
	}
	if errs := checkExchange(c, "GET", "/_security/user/x", nil, nil, 200, h,
		[]byte(`{"x":{"username":"x","roles":[],"metadata":{},"enabled":true,"full_name":null,"email":null}}`), true); len(errs) != 0 {
		t.Errorf("a valid user failed: %v", errs)
	}
}
