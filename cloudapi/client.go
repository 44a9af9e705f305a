// Package cloudapi is the Elastic Cloud API client: organizations, members,
// invitations, role assignments, Cloud API keys and Serverless projects.
//
// Every request carries "Authorization: ApiKey", the product's User-Agent and
// a fresh X-Opaque-Id; has a timeout; is retried with exponential backoff and
// full jitter on 429 (any method, since a rate-limited request was not
// processed) and, for idempotent methods only, on 502/503/504 and connection
// failures; and stops at once when its context is cancelled. Failures come
// back as *Error, which carries the Cloud error codes and never the request's
// headers or secret path segments.
package cloudapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for the retry and timeout settings of Config.
const (
	DefaultBaseURL     = "https://api.elastic-cloud.com"
	DefaultTimeout     = 30 * time.Second
	DefaultMaxAttempts = 4
	DefaultBaseDelay   = 500 * time.Millisecond
	DefaultMaxDelay    = 10 * time.Second
	// DefaultMaxPages bounds how many pages a list helper follows, so a
	// cursor that never ends cannot keep a tool call running forever.
	DefaultMaxPages = 100
)

// Config configures a Client.
type Config struct {
	BaseURL        string // default https://api.elastic-cloud.com; "/api/v1" is appended by the client
	APIKey         string
	OrganizationID string // optional; discovered with GET /organizations when empty
	// APIKeyID is the id of the Cloud API key in APIKey, when the operator
	// knows it. It lets the key tools recognise the server's own key exactly
	// instead of by its expiry (see the cloud_keys tools).
	APIKeyID  string
	Transport http.RoundTripper // all requests go through an http.Client built on it
	UserAgent string
	Timeout   time.Duration // per attempt; default 30s

	// MaxAttempts bounds the tries of one request (default 4).
	MaxAttempts int
	// BaseDelay is the first backoff step (default 500ms); step n waits a
	// random time in [0, BaseDelay*2^n), capped by MaxDelay.
	BaseDelay time.Duration
	// MaxDelay caps one backoff wait, including a Retry-After the service
	// asks for; a longer Retry-After ends the retries and is reported in the
	// error instead (default 10s: a tool call should not hang for minutes).
	MaxDelay time.Duration
	// MaxPages bounds the pages the list helpers follow (default 100).
	MaxPages int
	// Logger receives retry notices at debug level; nil discards them.
	Logger *slog.Logger
}

// Client talks to the Elastic Cloud API. It is safe for concurrent use.
type Client struct {
	cfg     Config
	base    *url.URL
	http    *http.Client
	log     *slog.Logger
	orgMu   sync.Mutex
	orgID   string
	keyExp  atomic.Value // string: last X-Elastic-Api-Key-Expiration seen
	sleepFn func(ctx context.Context, d time.Duration) error
}

// New returns a Client. It makes no request.
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.APIKey) == "" {
		return nil, errors.New("cloudapi: an API key is required")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	u, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("cloudapi: base URL %q must be an absolute http(s) URL", cfg.BaseURL)
	}
	// "/api/v1" is appended by the client; accept a base URL that already
	// ends with it, as people copy it from the API docs.
	u.Path = strings.TrimSuffix(u.Path, "/api/v1")
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.BaseDelay <= 0 {
		cfg.BaseDelay = DefaultBaseDelay
	}
	if cfg.MaxDelay <= 0 {
		cfg.MaxDelay = DefaultMaxDelay
	}
	if cfg.MaxPages <= 0 {
		cfg.MaxPages = DefaultMaxPages
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "elastic-access-mcp"
	}
	tr := cfg.Transport
	if tr == nil {
		tr = http.DefaultTransport
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c := &Client{
		cfg:  cfg,
		base: u,
		// No client timeout: each attempt carries its own deadline (see
		// once), which costs a timer; http.Client.Timeout also starts a
		// goroutine for every request.
		http:    &http.Client{Transport: tr},
		log:     logger,
		orgID:   strings.TrimSpace(cfg.OrganizationID),
		sleepFn: sleepCtx,
	}
	return c, nil
}

// BaseURL is the configured service URL (without /api/v1), without any
// user name or password it may carry: it is shown to clients.
func (c *Client) BaseURL() string {
	u := *c.base
	u.User = nil
	return u.String()
}

// APIKeyID is the operator-declared id of the server's own key, or "".
func (c *Client) APIKeyID() string { return c.cfg.APIKeyID }

// KeyExpiration is the raw X-Elastic-Api-Key-Expiration value of the last
// response, "" when none was seen (no request yet, or a key that does not
// expire).
func (c *Client) KeyExpiration() string {
	s, _ := c.keyExp.Load().(string)
	return s
}

// request is one API call.
type request struct {
	op     string // what the call does, for errors: "list members"
	method string
	path   string // under /api/v1, segments already escaped
	query  url.Values
	body   any
	// secrets are path segments that must never appear in errors or logs
	// (invitation tokens).
	secrets []string
}

// response is what do returns besides the decoded body.
type response struct {
	header http.Header
	status int
}

// idempotent reports whether a request may be repeated after its answer was
// lost: reads and PUTs. A DELETE is not: its repeat would answer "not found"
// for a deletion that happened.
func idempotent(method string) bool {
	return method == http.MethodPut || IsReadRequest(method, "")
}

// do sends r, retrying as the package comment says, and decodes a 2xx body
// into out (when out is not nil). An empty 2xx body is accepted as {}.
func (c *Client) do(ctx context.Context, r request, out any) (*response, error) {
	var payload []byte
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return nil, fmt.Errorf("cloud api: %s: encode request: %w", r.op, err)
		}
		payload = b
	}
	// Segments in r.path are already escaped; url.Parse inside
	// NewRequest keeps them escaped on the wire.
	target := strings.TrimRight(c.base.String(), "/") + "/api/v1" + r.path
	if len(r.query) > 0 {
		target += "?" + r.query.Encode()
	}
	retryAll := idempotent(r.method)
	var lastErr error
	for attempt := 0; attempt < c.cfg.MaxAttempts; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, c.ctxErr(r, err)
		}
		resp, err := c.once(ctx, r, target, payload, out)
		if err == nil {
			return resp, nil
		}
		lastErr = err
		var ae *Error
		if !errors.As(err, &ae) {
			return nil, err // context errors and encoding bugs: never retried
		}
		wait, retry := c.retryPlan(ae, retryAll, attempt)
		if !retry || attempt == c.cfg.MaxAttempts-1 || !fitsDeadline(ctx, wait) {
			if !retryAll && lostAnswer(ae) {
				ae.maybeApplied = true
			}
			break
		}
		c.log.Debug("cloud api retry", "op", r.op, "status", ae.Status, "attempt", attempt+1, "wait", wait,
			"ratelimit_remaining", ae.rateRemaining, "opaque_id", ae.OpaqueID)
		if err := c.sleepFn(ctx, wait); err != nil {
			return nil, c.ctxErr(r, err)
		}
	}
	return nil, lastErr
}

// retryPlan decides whether a failed attempt is retried and how long to wait.
func (c *Client) retryPlan(e *Error, idem bool, attempt int) (time.Duration, bool) {
	switch {
	case e.Status == http.StatusTooManyRequests:
		if e.RetryAfter > 0 {
			if e.RetryAfter > c.cfg.MaxDelay {
				return 0, false // longer than a tool call should wait: report it
			}
			return e.RetryAfter, true
		}
		return c.backoff(attempt), true
	case e.notSent:
		// The connection was refused: nothing reached the service.
		return c.backoff(attempt), true
	case !idem:
		// A POST that failed with 5xx or a broken connection may have been
		// applied; repeating it could invite twice or mint a second key.
		return 0, false
	case e.Status == http.StatusBadGateway, e.Status == http.StatusServiceUnavailable, e.Status == http.StatusGatewayTimeout:
		return c.backoff(attempt), true
	case e.Status == 0 && e.transient:
		return c.backoff(attempt), true
	}
	return 0, false
}

// fitsDeadline reports whether a wait and another attempt still fit before
// the call's deadline; when they do not, the last answer is reported now
// instead of a timeout later.
func fitsDeadline(ctx context.Context, wait time.Duration) bool {
	dl, ok := ctx.Deadline()
	return !ok || time.Until(dl) > wait+100*time.Millisecond
}

// lostAnswer reports a failure after which a write may have been applied:
// no usable answer at all, or a gateway that may have passed it on.
func lostAnswer(e *Error) bool {
	return (e.Status == 0 && !e.notSent) || e.Status == http.StatusBadGateway || e.Status == http.StatusGatewayTimeout
}

// backoff is "full jitter": a uniform wait in [0, min(MaxDelay, Base*2^n)).
func (c *Client) backoff(attempt int) time.Duration {
	ceil := c.cfg.BaseDelay << min(attempt, 30)
	if ceil <= 0 || ceil > c.cfg.MaxDelay {
		ceil = c.cfg.MaxDelay
	}
	n, err := rand.Int(rand.Reader, big.NewInt(int64(ceil)))
	if err != nil {
		return ceil / 2
	}
	return time.Duration(n.Int64())
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (c *Client) ctxErr(r request, err error) error {
	return fmt.Errorf("cloud api: %s: %w", r.op, err)
}

func opaqueID() string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "elastic-access-mcp"
	}
	return "elastic-access-mcp-" + hex.EncodeToString(b)
}

// maxResponse bounds response bodies; the largest legitimate one (10,000
// members with assignments) is far below it.
const maxResponse = 64 << 20

// once makes one attempt.
func (c *Client) once(ctx context.Context, r request, target string, payload []byte, out any) (*response, error) {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	// The timeout covers one attempt, body included; backoff waits are
	// bounded separately, and the caller's context bounds the whole call.
	attempt, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(attempt, r.method, target, body)
	if err != nil {
		return nil, fmt.Errorf("cloud api: %s: build request: %w", r.op, scrubErr(err, r.secrets))
	}
	oid := opaqueID()
	req.Header.Set("Authorization", "ApiKey "+c.cfg.APIKey)
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Opaque-Id", oid)
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, c.ctxErr(r, ctxErr)
		}
		return nil, transportError(r, oid, err)
	}
	defer resp.Body.Close()
	if v := resp.Header.Get("X-Elastic-Api-Key-Expiration"); v != "" {
		c.keyExp.Store(v)
	}
	raw, readErr := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if readErr != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, c.ctxErr(r, ctxErr)
		}
		// A cut-off body: the request may have been applied, so only
		// idempotent requests retry it (retryPlan checks the method).
		e := transportError(r, oid, readErr)
		e.Status = 0
		return nil, e
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, decodeError(r, resp, raw, oid)
	}
	res := &response{header: resp.Header, status: resp.StatusCode}
	if out == nil || len(bytes.TrimSpace(raw)) == 0 {
		return res, nil // empty 2xx bodies mean {}
	}
	if err := json.Unmarshal(raw, out); err != nil {
		// A garbled success is treated like a broken connection: safe to
		// repeat for reads, reported for writes.
		return nil, &Error{Op: r.op, Method: r.method, Status: 0, OpaqueID: oid, transient: true,
			Messages: []string{"the response was not valid JSON (" + scrub(err.Error(), r.secrets) + ")"}}
	}
	return res, nil
}

// transportError describes a failure to reach the service without the URL,
// which can hold secret path segments, and without any header.
func transportError(r request, oid string, err error) *Error {
	inner := err
	var ue *url.Error
	if errors.As(err, &ue) {
		inner = ue.Err
	}
	timeout := false
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		timeout = true
	}
	msg := "could not reach the Elastic Cloud API: " + scrub(inner.Error(), r.secrets)
	if timeout {
		msg = "the Elastic Cloud API did not answer in time"
	}
	var op *net.OpError
	notSent := errors.As(err, &op) && op.Op == "dial"
	return &Error{Op: r.op, Method: r.method, OpaqueID: oid, Messages: []string{msg}, transient: true, timeout: timeout, notSent: notSent}
}

func scrub(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "[redacted]")
			s = strings.ReplaceAll(s, url.PathEscape(sec), "[redacted]")
		}
	}
	return s
}

func scrubErr(err error, secrets []string) error { return errors.New(scrub(err.Error(), secrets)) }

// parseRetryAfter reads Retry-After in seconds (the only form a JSON API
// realistically sends) or as an HTTP date.
func parseRetryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

// seg escapes one path segment.
func seg(s string) string { return url.PathEscape(s) }
