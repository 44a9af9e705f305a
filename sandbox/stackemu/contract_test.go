package stackemu

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// The Elasticsearch contract (shared/contracts/elasticsearch-security.openapi.json)
// is loaded once per test binary. Every request a test expects to succeed and
// every response the emulator sends through the test helpers is validated
// against it; error bodies against _types.ErrorResponseBase, because the
// contract declares only 200 responses.

type contract struct {
	doc    *openapi3.T
	router routers.Router
	errSch *openapi3.Schema
}

var (
	contractOnce sync.Once
	contractVal  *contract
	contractErr  string
)

// findContracts walks up from the working directory to a directory holding
// shared/contracts (in CI the repository is cloned with shared/ beside it).
func findContracts() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(dir, "shared", "contracts", "elasticsearch-security.openapi.json")
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

func loadContract(t testing.TB) *contract {
	t.Helper()
	contractOnce.Do(func() {
		p := findContracts()
		if p == "" {
			contractErr = "shared/contracts/elasticsearch-security.openapi.json not found above the working directory"
			return
		}
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromFile(p)
		if err != nil {
			contractErr = "loading contract: " + err.Error()
			return
		}
		r, err := legacy.NewRouter(doc, openapi3.DisableExamplesValidation())
		if err != nil {
			contractErr = "contract router: " + err.Error()
			return
		}
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
// The request is checked only when the test expects success (validation
// tests send invalid bodies on purpose).
func validateExchange(t testing.TB, method, path string, reqHeader http.Header, reqBody []byte, status int,
	respHeader http.Header, respBody []byte, checkRequest bool) {
	t.Helper()
	c := loadContract(t)
	if !strings.HasPrefix(path, "/_security/") {
		return
	}
	if status >= 400 {
		var v any
		if err := json.Unmarshal(respBody, &v); err != nil {
			t.Errorf("contract: %s %s: error body is not JSON: %v", method, path, err)
			return
		}
		if m, ok := v.(map[string]any); ok {
			if _, plain := m["error"].(string); plain {
				return // 405 and "no handler" answers carry a plain string, as Elasticsearch does
			}
			if _, hasErr := m["error"]; !hasErr {
				return // 404 {} and {"found":false} are not error envelopes
			}
		}
		if err := c.errSch.VisitJSON(v); err != nil {
			t.Errorf("contract: %s %s: error body does not match _types.ErrorResponseBase: %v\n%s", method, path, err, respBody)
		}
		return
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
		return // GET / and endpoints outside the contract
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil && checkRequest {
		t.Errorf("contract: request %s %s does not match: %v\n%s", method, path, err, reqBody)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: respHeader,
		Body: io.NopCloser(bytes.NewReader(respBody)), Options: opts}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("contract: response to %s %s does not match: %v\n%s", method, path, err, respBody)
	}
}

func TestContractLoads(t *testing.T) {
	c := loadContract(t)
	if len(c.doc.Paths.Map()) < 20 {
		t.Fatalf("contract has %d paths, want the security paths", len(c.doc.Paths.Map()))
	}
}
