package server

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/caller"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// CredentialsMode says whose Elastic credentials a call uses.
type CredentialsMode string

const (
	// CredentialsOperator: the server's own configured credentials, for every caller.
	CredentialsOperator CredentialsMode = "operator"
	// CredentialsPassthrough: each request carries its caller's credentials in HeaderCloudAPIKey and
	// HeaderESAuthorization; the server holds none and the operator fixes the endpoints.
	CredentialsPassthrough CredentialsMode = "passthrough"
)

// ParseCredentialsMode reads the --credentials flag.
func ParseCredentialsMode(s string) (CredentialsMode, error) {
	switch m := CredentialsMode(strings.ToLower(strings.TrimSpace(s))); m {
	case "", CredentialsOperator:
		return CredentialsOperator, nil
	case CredentialsPassthrough:
		return m, nil
	}
	return "", fmt.Errorf("--credentials must be operator or passthrough, not %q", s)
}

// The headers a caller's own credentials travel in (passthrough).
const (
	HeaderCloudAPIKey     = "X-Elastic-Cloud-Api-Key"
	HeaderESAuthorization = "X-Elasticsearch-Authorization"
)

// callerEnvTTL is how long a caller's clients and resolved principal are reused: long enough to spare an
// authenticate request per call, short enough that a revoked credential stops naming its principal soon.
const callerEnvTTL = time.Minute

// maxCallerEnvs bounds the cache: callers cannot grow memory without limit.
const maxCallerEnvs = 1000

// credentials are one request's Elastic credentials (passthrough).
type credentials struct {
	cloudKey string
	esAuth   string
}

type credentialsKey struct{}

func (c credentials) digest() string {
	if c.cloudKey == "" && c.esAuth == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(c.cloudKey + "\x00" + c.esAuth))
	return hex.EncodeToString(sum[:16])
}

func credentialsFrom(ctx context.Context) (credentials, bool) {
	c, ok := ctx.Value(credentialsKey{}).(credentials)
	return c, ok
}

// withRequestCredentials puts the caller's credentials and their digest into the call's context.
func withRequestCredentials(ctx context.Context, r *http.Request) context.Context {
	c := credentials{cloudKey: strings.TrimSpace(r.Header.Get(HeaderCloudAPIKey)),
		esAuth: strings.TrimSpace(r.Header.Get(HeaderESAuthorization))}
	return caller.With(context.WithValue(ctx, credentialsKey{}, c), c.digest())
}

// requestOwner is the caller digest of an HTTP request, for the link sink.
func requestOwner(r *http.Request) string {
	return caller.From(withRequestCredentials(r.Context(), r))
}

// checkCredentialHeaders refuses what a request may not set: any endpoint (they are fixed by the operator), and
// credentials when the server uses its own. It reads no body.
func checkCredentialHeaders(mode CredentialsMode, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for name := range r.Header {
			canon := http.CanonicalHeaderKey(name)
			if canon == HeaderCloudAPIKey || canon == HeaderESAuthorization {
				if mode != CredentialsPassthrough {
					http.Error(w, canon+" is not accepted: this server acts with the operator's credentials "+
						"(start it with --credentials passthrough to send your own)", http.StatusBadRequest)
					return
				}
				continue
			}
			lower := strings.ToLower(canon)
			if strings.HasPrefix(lower, "x-elastic") || strings.HasPrefix(lower, "x-kibana") {
				http.Error(w, canon+" is refused: endpoints are fixed by the operator; send only "+
					HeaderCloudAPIKey+" and "+HeaderESAuthorization, http.StatusBadRequest)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// envHolder is one set of upstream clients with the principal they act as, resolved once.
type envHolder struct {
	env           *toolkit.Env
	principalOnce sync.Once
	expires       time.Time
	err           error
}

// callerEnvs caches a caller's clients per credential digest.
type callerEnvs struct {
	mu sync.Mutex
	m  map[string]*envHolder
}

// envFor returns the clients a call acts with: the server's own, or (passthrough) the caller's.
func (s *Server) envFor(ctx context.Context) (*envHolder, error) {
	if s.cfg.Credentials != CredentialsPassthrough {
		return s.operator, nil
	}
	creds, _ := credentialsFrom(ctx)
	d := creds.digest()
	if d == "" {
		return nil, toolkit.Refused("send your Elastic credentials: "+HeaderESAuthorization+": ApiKey <key> (or Basic "+
			"<base64 user:password>) for Elasticsearch and Kibana, and "+HeaderCloudAPIKey+": <key> for Elastic Cloud",
			"This server acts with each caller's own Elastic credentials, and this request carried none.")
	}
	now := time.Now()
	s.callers.mu.Lock()
	defer s.callers.mu.Unlock()
	if h, ok := s.callers.m[d]; ok && now.Before(h.expires) {
		return h, h.err
	}
	if len(s.callers.m) >= maxCallerEnvs {
		for k, h := range s.callers.m {
			if !now.Before(h.expires) {
				delete(s.callers.m, k)
			}
		}
		for k := range s.callers.m {
			if len(s.callers.m) < maxCallerEnvs {
				break
			}
			delete(s.callers.m, k)
		}
	}
	h := &envHolder{expires: now.Add(callerEnvTTL)}
	cfg, err := s.callerConfig(creds)
	if err == nil {
		rememberConfiguredSecrets(cfg)
		h.env, err = buildEnv(cfg, s.Env.Sealer, s.cfg.Metrics)
	}
	if err != nil {
		h.err = toolkit.InvalidArgs("%s", err.Error())
	}
	if h.env != nil {
		h.env.Selection = s.Report
	}
	s.callers.m[d] = h
	return h, h.err
}

// callerConfig is the operator's configuration (endpoints, TLS, limits) with the caller's credentials.
func (s *Server) callerConfig(c credentials) (Config, error) {
	cfg := s.cfg
	cfg.Cloud.APIKey, cfg.Cloud.APIKeyID, cfg.Cloud.OrganizationID = c.cloudKey, "", ""
	var apiKey, user, password string
	if c.esAuth != "" {
		scheme, value, _ := strings.Cut(c.esAuth, " ")
		value = strings.TrimSpace(value)
		switch {
		case strings.EqualFold(scheme, "ApiKey") && value != "":
			apiKey = value
		case strings.EqualFold(scheme, "Basic") && value != "":
			raw, err := base64.StdEncoding.DecodeString(value)
			u, p, ok := strings.Cut(string(raw), ":")
			if err != nil || !ok || u == "" {
				return cfg, fmt.Errorf("%s: Basic needs base64 of user:password", HeaderESAuthorization)
			}
			user, password = u, p
		default:
			return cfg, fmt.Errorf("%s must be \"ApiKey <encoded key>\" or \"Basic <base64 user:password>\"", HeaderESAuthorization)
		}
	}
	cfg.Elasticsearch.APIKey, cfg.Elasticsearch.Username, cfg.Elasticsearch.Password = apiKey, user, password
	cfg.Kibana.APIKey, cfg.Kibana.Username, cfg.Kibana.Password = apiKey, user, password
	if c.esAuth == "" {
		// Without stack credentials the stack clients would go out unauthenticated: leave them out, so the
		// stack tools say which header is missing.
		cfg.Elasticsearch.URL, cfg.Kibana.URL = "", ""
	}
	return cfg, nil
}

// missingCredentials names the header a tool needs that the caller did not send (passthrough), or "". A stack
// tool needs the stack header, unless the call names a Serverless project, which the Cloud key can reach.
func (s *Server) missingCredentials(ctx context.Context, t toolkit.Tool, args map[string]any) string {
	if s.cfg.Credentials != CredentialsPassthrough || len(t.Toolset.Planes) == 0 {
		return ""
	}
	creds, _ := credentialsFrom(ctx)
	needCloud, needStack := false, false
	for _, p := range t.Toolset.Planes {
		switch p {
		case toolkit.PlaneCloud:
			needCloud = true
		case toolkit.PlaneElasticsearch, toolkit.PlaneKibana:
			needStack = true
		}
	}
	project, _ := args["project"].(string)
	if needStack && creds.esAuth == "" && (creds.cloudKey == "" || project == "") {
		return HeaderESAuthorization
	}
	if needCloud && !needStack && creds.cloudKey == "" {
		return HeaderCloudAPIKey
	}
	return ""
}

// outsideFixedTarget refuses a stack call that names a project when the operator fixed the target.
func (s *Server) outsideFixedTarget(t toolkit.Tool, args map[string]any) error {
	if !s.cfg.FixedTarget {
		return nil
	}
	project, _ := args["project"].(string)
	if strings.TrimSpace(project) == "" {
		return nil
	}
	for _, p := range t.Toolset.Planes {
		if p == toolkit.PlaneElasticsearch || p == toolkit.PlaneKibana {
			return toolkit.Refused("leave project out: this server acts only on the cluster its operator configured",
				"Nothing was done: %s may not act on project %q here.", t.Name, project)
		}
	}
	return nil
}
