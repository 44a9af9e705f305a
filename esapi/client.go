// Package esapi is the Elasticsearch security client and the Kibana role
// client. Both are plain net/http: the handful of security endpoints we use
// get small typed models here. The official go-elasticsearch client is not
// imported on purpose: its root package pulls in about a thousand typed-API
// packages, which made a cold first build take minutes. What we used from it
// (authentication headers, retries, the product check) is done here, with a
// retry rule that never repeats a write that may have reached the server.
package esapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
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
	// MaxRetries is how often a failed attempt is retried; default 2,
	// negative = none. A refused connection (nothing was sent) is retried
	// for every request; a 502/503/504 answer or a broken connection only
	// for requests that are safe to repeat (see Repeatable): a write that
	// may have reached the server is never sent twice.
	MaxRetries int
	Logger     *slog.Logger
}

// Client talks to the Elasticsearch security API of one cluster or project.
type Client struct {
	cfg     Config
	base    *url.URL
	http    *http.Client
	auth    string // the Authorization header value
	retries int
	backoff func(attempt int) time.Duration
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
		return nil, fmt.Errorf("elasticsearch: %q is not an http(s) URL", RedactURL(cfg.URL))
	}
	cfg.URL, cfg.Username, cfg.Password = splitUserinfo(u, cfg.APIKey, cfg.Username, cfg.Password)
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
	c := &Client{
		cfg:     cfg,
		base:    u,
		http:    &http.Client{Transport: tr},
		auth:    authHeader(cfg.APIKey, cfg.Username, cfg.Password),
		retries: max(retries, 0),
		backoff: func(attempt int) time.Duration { return time.Duration(attempt) * 200 * time.Millisecond },
		timeout: cfg.Timeout,
	}
	return c, nil
}

// authHeader is the Authorization value for an API key (already encoded)
// or a user name and password; "" sends none.
func authHeader(apiKey, user, password string) string {
	switch {
	case apiKey != "":
		return "ApiKey " + apiKey
	case user != "" || password != "":
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
	}
	return ""
}

// RedactURL returns a URL without the user name and password it may carry,
// the form in which an endpoint is shown anywhere (prompts, results, logs).
// A string that does not parse is returned with everything before an "@"
// in its authority removed.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err == nil {
		if u.User == nil {
			return raw
		}
		u.User = nil
		return u.String()
	}
	if scheme, rest, ok := strings.Cut(raw, "://"); ok {
		if at := strings.LastIndex(rest, "@"); at >= 0 && !strings.ContainsAny(rest[:at], "/?#") {
			return scheme + "://" + rest[at+1:]
		}
	}
	return raw
}

// splitUserinfo moves credentials written into the URL
// (https://user:pass@host) into the user name and password, unless others
// were configured, and returns the URL without them: the URL is shown in
// prompts and results, the credentials are sent only as a header.
func splitUserinfo(u *url.URL, apiKey, user, password string) (string, string, string) {
	if u.User == nil {
		return u.String(), user, password
	}
	if apiKey == "" && user == "" && password == "" {
		user = u.User.Username()
		password, _ = u.User.Password()
	}
	clean := *u
	clean.User = nil
	return clean.String(), user, password
}

// As returns a client of the same cluster that authenticates as another
// user. It shares the transport, so TLS settings and the dry-run recorder
// apply to it too. It serves to check that a password just set works.
func (c *Client) As(username, password string) *Client {
	cfg := c.cfg
	cfg.APIKey, cfg.Username, cfg.Password = "", username, password
	return &Client{cfg: cfg, base: c.base, http: c.http, auth: authHeader("", username, password),
		retries: c.retries, backoff: c.backoff, timeout: c.timeout}
}

// URL is the cluster's base URL, without credentials.
func (c *Client) URL() string { return c.cfg.URL }

// UsesAPIKey reports whether the client authenticates with an API key.
func (c *Client) UsesAPIKey() bool { return c.cfg.APIKey != "" }

// MaxIdleConnsPerHost is how many idle connections to one upstream host are
// kept for reuse.
const MaxIdleConnsPerHost = 64

// maxIdleConns bounds idle upstream connections over all hosts (a review of
// many Serverless projects reaches one host per project).
const maxIdleConns = 1024

// pooled is the upstream transport of every client built without one of its
// own, shared so that connections opened for one caller's credentials serve
// the next call too (credentials travel per request, not per connection).
var pooled = newPooledTransport()

// PooledTransport is the shared upstream transport: TLS with the system
// roots, and enough idle connections kept that concurrent calls reuse them.
func PooledTransport() http.RoundTripper { return pooled }

func newPooledTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	// Many calls in flight reach the same host; Go keeps only 2 idle
	// connections per host and 100 in all by default, so the rest were
	// opened and closed on every request (a TCP handshake and two
	// goroutines each, about 13% of the server's CPU at 64 sessions).
	t.MaxIdleConnsPerHost = MaxIdleConnsPerHost
	t.MaxIdleConns = maxIdleConns
	return t
}

// BaseTransport builds an HTTP transport that trusts caCert (a PEM bundle or
// a file path) in addition to the system roots, or skips verification when
// insecure is set; without either it is the shared PooledTransport. Callers
// that wrap the transport (the dry-run recorder) build the base with this
// first, so the TLS settings still apply.
func BaseTransport(caCert string, insecure bool) (http.RoundTripper, error) {
	if caCert == "" && !insecure {
		return pooled, nil
	}
	base := newPooledTransport()
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
	u := *c.base
	u.Path = strings.TrimRight(c.base.Path, "/") + mustUnescape(rawPath)
	u.RawPath = strings.TrimRight(c.base.EscapedPath(), "/") + rawPath
	if len(query) > 0 {
		u.RawQuery = query.Encode()
	}
	u.User = nil // credentials in the URL are sent as a header, never in the request line
	var payload []byte
	if rd != nil {
		payload, _ = io.ReadAll(rd)
	}
	repeatable := Repeatable(method, rawPath)
	// A write whose last answer was lost may have been applied, whether or
	// not it was repeated: a PUT is retried, but every attempt may fail.
	write := !IsReadRequest(method, rawPath)
	for attempt := 0; ; attempt++ {
		status, data, err := c.once(ctx, method, &u, rawPath, payload)
		retry := false
		switch {
		case err != nil && ctx.Err() != nil:
			return 0, nil, fmt.Errorf("elasticsearch %s %s: %w", method, rawPath, ctx.Err())
		case err != nil:
			var ae *Error
			if errors.As(err, &ae) {
				if !ae.notSent && write {
					ae.maybeApplied = true
				}
				retry = ae.notSent || repeatable
			}
		case status == http.StatusBadGateway || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout:
			// A gateway may have passed the request on before failing; only
			// a request that is safe to repeat is sent again.
			retry = repeatable
		}
		if !retry || attempt >= c.retries || !c.wait(ctx, attempt+1) {
			if err == nil && write && (status == http.StatusBadGateway || status == http.StatusGatewayTimeout) {
				e := decodeError(method, rawPath, status, data)
				e.maybeApplied = true
				return 0, nil, e
			}
			return status, data, err
		}
	}
}

// wait sleeps the backoff before the given retry, unless the call's deadline
// would pass first: retries fit inside the deadline or are not made.
func (c *Client) wait(ctx context.Context, attempt int) bool {
	d := c.backoff(attempt)
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d+50*time.Millisecond {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// once makes one attempt. A failure to get an answer is an *Error with
// Status 0; notSent is set when the connection was refused, so the request
// certainly never reached the server.
func (c *Client) once(ctx context.Context, method string, u *url.URL, rawPath string, payload []byte) (int, []byte, error) {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return 0, nil, fmt.Errorf("build the request: %w", err)
	}
	req.URL = u
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	req.Header.Set("X-Opaque-Id", opaqueID(ctx))
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return 0, nil, &Error{Status: 0, Type: "connection_error", Reason: redactURLError(err), Method: method, Path: rawPath, notSent: refusedBeforeSend(err)}
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 32<<20))
	if err != nil {
		return 0, nil, &Error{Status: 0, Type: "connection_error", Reason: "the answer was cut off: " + err.Error(), Method: method, Path: rawPath}
	}
	// The product check the official client makes: a successful answer
	// that does not come from Elasticsearch (a proxy's login page, another
	// service on the port) must not be read as one.
	if res.StatusCode >= 200 && res.StatusCode < 300 && res.Header.Get("X-Elastic-Product") != "Elasticsearch" {
		return 0, nil, &Error{Status: 0, Type: "product_check", Method: method, Path: rawPath,
			Reason: "the server answered, but it is not Elasticsearch (no X-Elastic-Product header); check ELASTICSEARCH_URL"}
	}
	return res.StatusCode, data, nil
}

// refusedBeforeSend reports a failure to connect at all (connection refused,
// no route, name not found): the request never left this process.
func refusedBeforeSend(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
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
