// Package esapi is the Elasticsearch security client and the Kibana role
// client. The Elasticsearch side is built on the official go-elasticsearch
// transport (authentication, retries, product check) through its low-level
// Perform call; the handful of security endpoints we use get small typed
// models here instead of the huge typed API. The Kibana side is plain
// net/http.
package esapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	elasticsearch "github.com/elastic/go-elasticsearch/v9"
)

// DefaultUserAgent names the product on every upstream request when the
// caller sets none.
const DefaultUserAgent = "elastic-access-mcp"

// Config configures a Client.
type Config struct {
	URL      string
	APIKey   string // the encoded (base64 id:key) form, sent as "Authorization: ApiKey ..."
	Username string
	Password string
	// CACert is a PEM bundle or the path of a PEM file, trusted in addition
	// to the system roots.
	CACert string
	// Insecure skips TLS verification. It is allowed for local clusters with
	// self-signed certificates and is always logged as a warning.
	Insecure bool
	// Transport sends every request. The server wraps it with its dry-run
	// recorder, so nothing may bypass it. When it is nil a transport is built
	// from CACert and Insecure (see BaseTransport).
	Transport http.RoundTripper
	UserAgent string
	// Timeout bounds one request (all retries included); default 30s.
	Timeout time.Duration
	// MaxRetries is how often 502/503/504 answers and, for idempotent
	// methods, connection errors are retried; default 2, negative = none.
	MaxRetries int
	Logger     *slog.Logger
}

// Client talks to the Elasticsearch security API of one cluster or project.
type Client struct {
	cfg     Config
	es      *elasticsearch.BaseClient
	timeout time.Duration

	mu      sync.Mutex
	flavor  Flavor
	builtin *BuiltinPrivileges
}

// New returns a Client. It does not contact the cluster.
func New(cfg Config) (*Client, error) {
	if cfg.URL == "" {
		return nil, errors.New("elasticsearch: no URL configured")
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("elasticsearch: %q is not an http(s) URL", cfg.URL)
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	tr, err := transportFor(cfg.Transport, cfg.CACert, cfg.Insecure)
	if err != nil {
		return nil, fmt.Errorf("elasticsearch: %w", err)
	}
	if cfg.Insecure && cfg.Logger != nil {
		cfg.Logger.Warn("TLS certificate verification is disabled for Elasticsearch; use a CA certificate instead", "url", cfg.URL)
	}
	retries := cfg.MaxRetries
	if retries == 0 {
		retries = 2
	}
	esCfg := elasticsearch.Config{
		Addresses:     []string{strings.TrimRight(cfg.URL, "/")},
		APIKey:        cfg.APIKey,
		Username:      cfg.Username,
		Password:      cfg.Password,
		Transport:     tr,
		Header:        http.Header{"User-Agent": {cfg.UserAgent}},
		DisableRetry:  retries < 0,
		MaxRetries:    max(retries, 0),
		RetryOnStatus: []int{502, 503, 504},
		// A connection error after the request was written may mean the
		// write happened; only methods that are safe to repeat are retried.
		RetryOnError: func(req *http.Request, err error) bool {
			if req.Context().Err() != nil {
				return false
			}
			switch req.Method {
			case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete:
				return true
			}
			return false
		},
		RetryBackoff: func(attempt int) time.Duration { return time.Duration(attempt) * 200 * time.Millisecond },
	}
	es, err := elasticsearch.NewBaseClient(esCfg)
	if err != nil {
		return nil, fmt.Errorf("elasticsearch: %w", err)
	}
	return &Client{cfg: cfg, es: es, timeout: cfg.Timeout}, nil
}

// URL is the cluster's base URL.
func (c *Client) URL() string { return c.cfg.URL }

// UsesAPIKey reports whether the client authenticates with an API key.
func (c *Client) UsesAPIKey() bool { return c.cfg.APIKey != "" }

// BaseTransport builds an HTTP transport that trusts caCert (a PEM bundle or
// a file path) in addition to the system roots, or skips verification when
// insecure is set. Callers that wrap the transport (the dry-run recorder)
// build the base with this first, so the TLS settings still apply.
func BaseTransport(caCert string, insecure bool) (http.RoundTripper, error) {
	base := http.DefaultTransport.(*http.Transport).Clone()
	if caCert == "" && !insecure {
		return base, nil
	}
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if insecure {
		tlsCfg.InsecureSkipVerify = true // the operator asked for it; New logs a warning
	}
	if caCert != "" {
		pem, err := readPEM(caCert)
		if err != nil {
			return nil, err
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, errors.New("the CA certificate contains no PEM certificate")
		}
		tlsCfg.RootCAs = pool
	}
	base.TLSClientConfig = tlsCfg
	return base, nil
}

func readPEM(caCert string) ([]byte, error) {
	if strings.Contains(caCert, "-----BEGIN") {
		return []byte(caCert), nil
	}
	b, err := os.ReadFile(caCert)
	if err != nil {
		return nil, fmt.Errorf("read the CA certificate: %w", err)
	}
	return b, nil
}

// transportFor returns the transport to send through: the given one (with
// TLS settings applied when it is a plain *http.Transport), or a new base.
func transportFor(given http.RoundTripper, caCert string, insecure bool) (http.RoundTripper, error) {
	if given == nil {
		return BaseTransport(caCert, insecure)
	}
	if caCert == "" && !insecure {
		return given, nil
	}
	if ht, ok := given.(*http.Transport); ok {
		base, err := BaseTransport(caCert, insecure)
		if err != nil {
			return nil, err
		}
		clone := ht.Clone()
		clone.TLSClientConfig = base.(*http.Transport).TLSClientConfig
		return clone, nil
	}
	// A wrapping transport hides the TLS settings of the one it wraps; the
	// caller must build that one with BaseTransport. Failing here beats a
	// confusing certificate error on the first call.
	return nil, errors.New("a CA certificate or insecure mode was configured, but the transport is a wrapper whose TLS settings cannot be changed; build the wrapped transport with esapi.BaseTransport")
}

// opaqueIDKey carries the X-Opaque-Id of a tool call.
type opaqueIDKey struct{}

// WithOpaqueID returns ctx whose requests carry X-Opaque-Id id, so one tool
// call can be traced in Elasticsearch's slow and audit logs.
func WithOpaqueID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, opaqueIDKey{}, id)
}

// NewOpaqueID returns a fresh id naming the product and the operation.
func NewOpaqueID(operation string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return DefaultUserAgent + ":" + operation + ":" + hex.EncodeToString(b)
}

func opaqueID(ctx context.Context) string {
	if id, ok := ctx.Value(opaqueIDKey{}).(string); ok && id != "" {
		return id
	}
	return NewOpaqueID("request")
}

// PathEscape joins path segments, escaping each one, so names with spaces,
// '?' or '#' reach Elasticsearch intact.
func PathEscape(segments ...string) string {
	var b strings.Builder
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// NameList escapes names for a comma-separated path parameter.
func NameList(names []string) string {
	esc := make([]string, len(names))
	for i, n := range names {
		esc[i] = url.PathEscape(n)
	}
	return strings.Join(esc, ",")
}

// Do sends one request and decodes a 2xx JSON answer into out (when not
// nil). rawPath is already escaped ("/_security/role/logs-reader"). body is
// JSON-encoded unless it is a []byte or nil. Non-2xx answers become *Error.
func (c *Client) Do(ctx context.Context, method, rawPath string, query url.Values, body, out any) error {
	status, data, err := c.send(ctx, method, rawPath, query, body)
	if err != nil {
		return err
	}
	if status < 200 || status > 299 {
		return decodeError(method, rawPath, status, data)
	}
	return decodeBody(data, out)
}

// DoAllow404 is Do, except that a 404 is reported through found=false
// instead of an error: Elasticsearch answers 404 {} for a GET of missing
// names and 404 {"found":false} for a DELETE of a missing one.
func (c *Client) DoAllow404(ctx context.Context, method, rawPath string, query url.Values, body, out any) (found bool, err error) {
	status, data, err := c.send(ctx, method, rawPath, query, body)
	if err != nil {
		return false, err
	}
	if status == http.StatusNotFound && isNotFoundBody(data) {
		return false, nil
	}
	if status < 200 || status > 299 {
		return false, decodeError(method, rawPath, status, data)
	}
	return true, decodeBody(data, out)
}

// isNotFoundBody tells a "no such thing" 404 ({} or {"found":false}) from
// an error 404 (for example resource_not_found_exception from the API-key
// update), which must stay an error.
func isNotFoundBody(data []byte) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil {
		return false
	}
	_, hasErr := m["error"]
	return !hasErr
}

func decodeBody(data []byte, out any) error {
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return nil // a dry run answers writes with an empty success
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("elasticsearch answered with a body that is not the expected JSON: %w", err)
	}
	return nil
}

func (c *Client) send(ctx context.Context, method, rawPath string, query url.Values, body any) (int, []byte, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			return 0, nil, fmt.Errorf("encode the request body: %w", err)
		}
		rd = bytes.NewReader(enc)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	u := &url.URL{Path: mustUnescape(rawPath), RawPath: rawPath}
	if len(query) > 0 {
		u.RawQuery = query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return 0, nil, fmt.Errorf("build the request: %w", err)
	}
	req.URL = u
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Opaque-Id", opaqueID(ctx))
	res, err := c.es.Perform(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, nil, fmt.Errorf("elasticsearch %s %s: %w", method, rawPath, ctx.Err())
		}
		return 0, nil, &Error{Status: 0, Type: "connection_error", Reason: redactURLError(err), Method: method, Path: rawPath}
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 32<<20))
	if err != nil {
		return 0, nil, &Error{Status: 0, Type: "connection_error", Reason: "the answer was cut off: " + err.Error(), Method: method, Path: rawPath}
	}
	return res.StatusCode, data, nil
}

func mustUnescape(p string) string {
	s, err := url.PathUnescape(p)
	if err != nil {
		return p
	}
	return s
}

// redactURLError keeps credentials that may sit in a URL out of messages.
func redactURLError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil && u.User != nil {
			u.User = nil
			ue.URL = u.String()
		}
		return ue.Op + " " + ue.URL + ": " + ue.Err.Error()
	}
	return err.Error()
}
