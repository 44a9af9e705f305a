package esapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// KibanaConfig configures a KibanaClient.
type KibanaConfig struct {
	URL      string
	APIKey   string
	Username string
	Password string
	CACert   string
	Insecure bool
	// Transport sends every request (the server's dry-run wrapper).
	Transport http.RoundTripper
	UserAgent string
	Timeout   time.Duration
	Logger    *slog.Logger
}

// KibanaClient talks to the Kibana role API (/api/security/role), which is
// the only way to grant Kibana feature and space privileges by name.
type KibanaClient struct {
	cfg  KibanaConfig
	base *url.URL
	http *http.Client
}

// NewKibana returns a KibanaClient. It does not contact Kibana.
func NewKibana(cfg KibanaConfig) (*KibanaClient, error) {
	u, err := url.Parse(strings.TrimRight(cfg.URL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("kibana: %q is not an http(s) URL", RedactURL(cfg.URL))
	}
	cfg.URL, cfg.Username, cfg.Password = splitUserinfo(u, cfg.APIKey, cfg.Username, cfg.Password)
	u.User = nil
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	tr, err := transportFor(cfg.Transport, cfg.CACert, cfg.Insecure)
	if err != nil {
		return nil, fmt.Errorf("kibana: %w", err)
	}
	if cfg.Insecure && cfg.Logger != nil {
		cfg.Logger.Warn("TLS certificate verification is disabled for Kibana; use a CA certificate instead", "url", cfg.URL)
	}
	return &KibanaClient{cfg: cfg, base: u, http: &http.Client{Transport: tr, Timeout: cfg.Timeout}}, nil
}

// URL is Kibana's base URL, without credentials.
func (k *KibanaClient) URL() string { return k.cfg.URL }

// KibanaRole is a role in the Kibana role API's form.
type KibanaRole struct {
	Name          string             `json:"name,omitempty"`
	Description   string             `json:"description,omitempty"`
	Metadata      map[string]any     `json:"metadata,omitempty"`
	Elasticsearch KibanaESPart       `json:"elasticsearch"`
	Kibana        []KibanaPrivileges `json:"kibana"`
}

// KibanaESPart is the Elasticsearch half of a Kibana role. Kibana accepts
// the DLS query only as a string.
type KibanaESPart struct {
	Cluster []string          `json:"cluster"`
	Indices []IndexPrivileges `json:"indices"`
	RunAs   []string          `json:"run_as"`
}

// KibanaPrivileges is one kibana[] entry: base privileges or feature
// privileges, for a set of spaces (["*"] = all).
type KibanaPrivileges struct {
	Base    []string            `json:"base"`
	Feature map[string][]string `json:"feature"`
	Spaces  []string            `json:"spaces"`
}

// PutRole creates or replaces a role through Kibana (204 on success).
// Empty lists are sent as [], never as null, which Kibana's schema refuses:
// callers may leave any of them nil.
func (k *KibanaClient) PutRole(ctx context.Context, name string, role KibanaRole) error {
	role.Name = "" // the name travels in the path
	role.Kibana = emptyIfNil(role.Kibana)
	role.Elasticsearch.Cluster = emptyIfNil(role.Elasticsearch.Cluster)
	role.Elasticsearch.Indices = emptyIfNil(role.Elasticsearch.Indices)
	role.Elasticsearch.RunAs = emptyIfNil(role.Elasticsearch.RunAs)
	return k.do(ctx, http.MethodPut, PathEscape("api", "security", "role", name), role, nil)
}

// emptyIfNil returns s, or an empty list when s is nil, so it encodes as [].
func emptyIfNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// GetRole reads a role; found is false on 404.
func (k *KibanaClient) GetRole(ctx context.Context, name string) (role *KibanaRole, found bool, err error) {
	var r KibanaRole
	err = k.do(ctx, http.MethodGet, PathEscape("api", "security", "role", name), nil, &r)
	if IsStatus(err, http.StatusNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return &r, true, nil
}

// DeleteRole deletes a role; found is false on 404.
func (k *KibanaClient) DeleteRole(ctx context.Context, name string) (found bool, err error) {
	err = k.do(ctx, http.MethodDelete, PathEscape("api", "security", "role", name), nil, nil)
	if IsStatus(err, http.StatusNotFound) {
		return false, nil
	}
	return err == nil, err
}

func (k *KibanaClient) do(ctx context.Context, method, rawPath string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encode the request body: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	u := *k.base
	u.Path = k.base.Path + mustUnescape(rawPath)
	u.RawPath = k.base.EscapedPath() + rawPath
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return fmt.Errorf("build the request: %w", err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	// Kibana refuses writes without it (cross-site request forgery guard).
	req.Header.Set("kbn-xsrf", "true")
	req.Header.Set("User-Agent", k.cfg.UserAgent)
	req.Header.Set("X-Opaque-Id", opaqueID(ctx))
	switch {
	case k.cfg.APIKey != "":
		req.Header.Set("Authorization", "ApiKey "+k.cfg.APIKey)
	case k.cfg.Username != "" || k.cfg.Password != "":
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(k.cfg.Username+":"+k.cfg.Password)))
	}
	res, err := k.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("kibana %s %s: %w", method, rawPath, ctx.Err())
		}
		var ue *url.Error
		reason := err.Error()
		if errors.As(err, &ue) {
			reason = ue.Op + " " + rawPath + ": " + ue.Err.Error()
		}
		notSent := refusedBeforeSend(err)
		return &Error{Type: "connection_error", Reason: reason, Method: method, Path: rawPath, Service: "kibana",
			notSent: notSent, maybeApplied: !notSent && method != http.MethodGet}
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 32<<20))
	if err != nil {
		return &Error{Type: "connection_error", Reason: "the answer was cut off: " + err.Error(), Method: method, Path: rawPath, Service: "kibana",
			maybeApplied: method != http.MethodGet}
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		e := decodeKibanaError(method, rawPath, res.StatusCode, data)
		// A gateway may have passed a write on before failing.
		e.maybeApplied = method != http.MethodGet && (res.StatusCode == http.StatusBadGateway || res.StatusCode == http.StatusGatewayTimeout)
		return e
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("kibana answered with a body that is not the expected JSON: %w", err)
	}
	return nil
}
