package cloudemu

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/contracts"
)

// This file checks the requests the tests send and the responses the
// emulator returns against sandbox/contracts/cloud-api.swagger.json. The
// document is Swagger 2.0 and uses only a small part of JSON Schema (type,
// required, properties, items, $ref, enum, format), so a short checker on the
// standard library is enough and keeps test dependencies out of go.mod.

const contractFile = "cloud-api.swagger.json"

type swSchema struct {
	Ref        string               `json:"$ref"`
	Type       string               `json:"type"`
	Required   []string             `json:"required"`
	Properties map[string]*swSchema `json:"properties"`
	Items      *swSchema            `json:"items"`
	Enum       []any                `json:"enum"`
	Format     string               `json:"format"`
}

type swParam struct {
	In       string    `json:"in"`
	Name     string    `json:"name"`
	Required bool      `json:"required"`
	Schema   *swSchema `json:"schema"`
}

type swHeader struct {
	Type string   `json:"type"`
	Enum []string `json:"enum"`
}

type swResponse struct {
	Schema  *swSchema           `json:"schema"`
	Headers map[string]swHeader `json:"headers"`
}

type swOperation struct {
	OperationID string                `json:"operationId"`
	Parameters  []swParam             `json:"parameters"`
	Responses   map[string]swResponse `json:"responses"`
}

type contract struct {
	BasePath    string                            `json:"basePath"`
	Paths       map[string]map[string]swOperation `json:"paths"`
	Definitions map[string]*swSchema              `json:"definitions"`

	mu         sync.Mutex
	exercised  map[string]bool // operationId -> seen with a validated response
	undeclared map[string]bool // "operationId status" replies the contract does not declare
}

func loadContract() (*contract, error) {
	// The contract is embedded from sandbox/contracts, so the tests need
	// nothing outside the repository.
	b, p := contracts.CloudAPI, "sandbox/contracts/"+contractFile
	c := &contract{exercised: map[string]bool{}, undeclared: map[string]bool{}}
	if err := json.Unmarshal(b, c); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	if len(c.Paths) == 0 || c.BasePath == "" {
		return nil, fmt.Errorf("%s: no paths", p)
	}
	return c, nil
}

// operation finds the contract operation for a request path under the base
// path. Literal segments win over parameters, as in the emulator's router.
func (c *contract) operation(method, path string) (*swOperation, bool) {
	rel, ok := strings.CutPrefix(path, c.BasePath)
	if !ok {
		return nil, false
	}
	segs := strings.Split(strings.Trim(rel, "/"), "/")
	var best *swOperation
	bestScore := -1
	for tmpl, ops := range c.Paths {
		op, ok := ops[strings.ToLower(method)]
		if !ok {
			continue
		}
		t := strings.Split(strings.Trim(tmpl, "/"), "/")
		if len(t) != len(segs) {
			continue
		}
		score, match := 0, true
		for i := range t {
			switch {
			case strings.HasPrefix(t[i], "{"):
			case t[i] == segs[i]:
				score++
			default:
				match = false
			}
		}
		if match && score > bestScore {
			o := op
			best, bestScore = &o, score
		}
	}
	return best, best != nil
}

func (c *contract) resolve(s *swSchema) *swSchema {
	for s != nil && s.Ref != "" {
		s = c.Definitions[strings.TrimPrefix(s.Ref, "#/definitions/")]
	}
	return s
}

// validate checks v (decoded JSON) against s and returns every violation.
func (c *contract) validate(s *swSchema, v any, at string) []string {
	s = c.resolve(s)
	if s == nil {
		return []string{at + ": unresolvable schema"}
	}
	var errs []string
	if len(s.Enum) > 0 && !slices.ContainsFunc(s.Enum, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(v) }) {
		errs = append(errs, fmt.Sprintf("%s: %v is not one of %v", at, v, s.Enum))
	}
	typ := s.Type
	if typ == "" && s.Properties != nil {
		typ = "object"
	}
	switch typ {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			return append(errs, fmt.Sprintf("%s: want object, got %T", at, v))
		}
		for _, r := range s.Required {
			if _, ok := m[r]; !ok {
				errs = append(errs, at+": missing required property "+strconv.Quote(r))
			}
		}
		names := make([]string, 0, len(s.Properties))
		for n := range s.Properties {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if pv, ok := m[n]; ok {
				errs = append(errs, c.validate(s.Properties[n], pv, at+"."+n)...)
			}
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			return append(errs, fmt.Sprintf("%s: want array, got %T", at, v))
		}
		for i, it := range a {
			errs = append(errs, c.validate(s.Items, it, fmt.Sprintf("%s[%d]", at, i))...)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			return append(errs, fmt.Sprintf("%s: want string, got %T", at, v))
		}
		if s.Format == "date-time" {
			if _, err := time.Parse(time.RFC3339, str); err != nil {
				errs = append(errs, fmt.Sprintf("%s: %q is not a date-time", at, str))
			}
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			errs = append(errs, fmt.Sprintf("%s: want boolean, got %T", at, v))
		}
	case "integer", "number":
		f, ok := v.(float64)
		if !ok || (typ == "integer" && f != float64(int64(f))) {
			errs = append(errs, fmt.Sprintf("%s: want %s, got %v", at, typ, v))
		}
	}
	return errs
}

// sanctionedCodes are error codes the emulator uses where the contract's
// x-cloud-error-codes enum for that status says otherwise, each on the
// reference's instruction (the reference wins where the two disagree):
var sanctionedCodes = map[string]string{
	// §1.3: the code for a missing or invalid key is unknown; the reference
	// asks for 401 root.unauthorized on every endpoint (the contract declares
	// user.not_found for GET /organizations).
	codeUnauthorized: "reference §1.3",
	// §3: a broken all/ids rule is a 400 BasicFailedReply with an unknown
	// code; root.invalid_data is the documented generic 400 (also used for
	// bodies that are not JSON).
	codeInvalidData: "reference §1.3, §3",
	// §4: the code for an unknown role_id is made up by the reference.
	codeInvalidRole: "reference §4",
}

func decodeJSON(b []byte) (any, error) {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	return v, nil
}

// checkRequest validates a request the tests send.
func (c *contract) checkRequest(method, path string, header http.Header, body []byte) []string {
	op, ok := c.operation(method, path)
	if !ok {
		return []string{fmt.Sprintf("%s %s: not in the contract", method, path)}
	}
	var errs []string
	for _, p := range op.Parameters {
		if p.In != "body" {
			continue
		}
		if len(bytes.TrimSpace(body)) == 0 {
			if p.Required {
				errs = append(errs, op.OperationID+": required body missing")
			}
			continue
		}
		if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			errs = append(errs, op.OperationID+": body sent with Content-Type "+strconv.Quote(ct))
		}
		v, err := decodeJSON(body)
		if err != nil {
			errs = append(errs, op.OperationID+": request body is not JSON: "+err.Error())
			continue
		}
		errs = append(errs, c.validate(p.Schema, v, op.OperationID+" request")...)
	}
	return errs
}

// checkResponse validates a response the emulator returned.
func (c *contract) checkResponse(method, path string, status int, header http.Header, body []byte) []string {
	op, ok := c.operation(method, path)
	if !ok {
		return []string{fmt.Sprintf("%s %s: not in the contract", method, path)}
	}
	where := fmt.Sprintf("%s %d", op.OperationID, status)
	resp, declared := op.Responses[strconv.Itoa(status)]
	if !declared {
		if status < 400 {
			return []string{where + ": success status not declared by the contract"}
		}
		// The contract leaves many error statuses undeclared (401 and 403 on
		// most operations, anything on get-api-keys); they must still be
		// BasicFailedReply, the only error shape of the Cloud API.
		resp = swResponse{Schema: &swSchema{Ref: "#/definitions/BasicFailedReply"}}
		c.mu.Lock()
		c.undeclared[where] = true
		c.mu.Unlock()
	}
	var errs []string
	if resp.Schema != nil {
		v, err := decodeJSON(body)
		if err != nil {
			return []string{where + ": body is not JSON: " + err.Error()}
		}
		if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			errs = append(errs, where+": Content-Type "+strconv.Quote(ct))
		}
		errs = append(errs, c.validate(resp.Schema, v, where)...)
	}
	if status >= 400 {
		var fb errorBody
		_ = json.Unmarshal(body, &fb)
		got := header.Get("x-cloud-error-codes")
		switch {
		case got == "":
			errs = append(errs, where+": no x-cloud-error-codes header")
		case len(fb.Errors) == 0 || fb.Errors[0].Code != got:
			errs = append(errs, where+": x-cloud-error-codes "+got+" does not match the body")
		}
		if h, ok := resp.Headers["x-cloud-error-codes"]; ok && len(h.Enum) > 0 && !slices.Contains(h.Enum, got) {
			if _, ok := sanctionedCodes[got]; !ok {
				errs = append(errs, fmt.Sprintf("%s: code %s not among the declared %v", where, got, h.Enum))
			}
		}
	}
	if len(errs) == 0 {
		c.mu.Lock()
		c.exercised[op.OperationID] = true
		c.mu.Unlock()
	}
	return errs
}

// allOperations lists every operation id in the contract.
func (c *contract) allOperations() []string {
	var out []string
	for _, ops := range c.Paths {
		for _, op := range ops {
			out = append(out, op.OperationID)
		}
	}
	sort.Strings(out)
	return out
}

type invalidRequestKey struct{}

// allowInvalidRequest marks a request that deliberately breaks the contract
// (a missing required field, a body that is not JSON), so only its response
// is checked.
func allowInvalidRequest(ctx context.Context) context.Context {
	return context.WithValue(ctx, invalidRequestKey{}, true)
}

// contractTransport validates every Cloud API exchange of the tests.
// Serverless paths have no contract (see contracts/README.md) and are
// checked by hand in projects_test.go.
type contractTransport struct {
	c      *contract
	report func(format string, args ...any)
	base   http.RoundTripper
}

func (tr *contractTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	path := req.URL.Path
	checked := strings.HasPrefix(path, "/api/v1/") && !strings.HasPrefix(path, "/api/v1/serverless/")
	if checked && req.Context().Value(invalidRequestKey{}) == nil {
		var body []byte
		if req.Body != nil {
			body, _ = io.ReadAll(req.Body)
			req.Body.Close()
			req.Body = io.NopCloser(bytes.NewReader(body))
		}
		for _, e := range tr.c.checkRequest(req.Method, path, req.Header, body) {
			tr.report("contract (request): %s", e)
		}
	}
	resp, err := tr.base.RoundTrip(req)
	if err != nil || !checked {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	for _, e := range tr.c.checkResponse(req.Method, path, resp.StatusCode, resp.Header, body) {
		tr.report("contract (response): %s", e)
	}
	return resp, nil
}
