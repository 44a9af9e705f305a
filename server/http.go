package server

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/redact"
	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
)

// HTTPServer serves the MCP server over streamable HTTP (/mcp) and SSE
// (/sse + /message), with /healthz and the one-time secret links
// (/secrets/{id}), behind bearer-token authentication.
type HTTPServer struct {
	srv      *Server
	listener net.Listener
	http     *http.Server
	links    *redact.LinkSink
	stream   *mcpserver.StreamableHTTPServer
	sse      *mcpserver.SSEServer
	sessions *sessionRegistry
	BaseURL  string

	// metricsHTTP serves /metrics on --metrics-listen, when given.
	metricsListener net.Listener
	metricsHTTP     *http.Server

	// closing is cancelled when shutdown begins, ending long-lived streams.
	closing     context.Context
	stopStreams context.CancelFunc
}

// ListenHTTP binds the listen address and prepares the handlers. It refuses
// a non-loopback address without a token: an unauthenticated server off
// loopback would hand anyone on the network the power to grant access.
func (s *Server) ListenHTTP() (*HTTPServer, error) { return s.ListenHTTPWith(s.cfg.HTTP) }

// ListenHTTPWith is ListenHTTP with explicit HTTP settings.
func (s *Server) ListenHTTPWith(cfg HTTPConfig) (*HTTPServer, error) {
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:8080"
	}
	host, _, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("--listen %q: %w", cfg.Listen, err)
	}
	if cfg.Token == "" && !isLoopback(host) {
		return nil, fmt.Errorf("refusing to listen on %s without authentication: set MCP_HTTP_TOKEN (callers then send Authorization: Bearer <token>), or listen on 127.0.0.1", cfg.Listen)
	}
	// Behind a reverse proxy (MCP_PUBLIC_URL) a loopback listener is reachable
	// by whoever reaches the proxy: loopback no longer means local.
	if cfg.Token == "" && cfg.PublicURL != "" {
		return nil, fmt.Errorf("refusing to serve %s without authentication: MCP_PUBLIC_URL says a proxy forwards to this listener, so set MCP_HTTP_TOKEN (e.g. openssl rand -hex 32)", cfg.PublicURL)
	}
	if exposed := !isLoopback(host) || cfg.PublicURL != ""; exposed && len(cfg.Token) < minTokenLength {
		return nil, fmt.Errorf("MCP_HTTP_TOKEN has %d characters; a server reachable from the network needs at least %d (e.g. openssl rand -hex 32)", len(cfg.Token), minTokenLength)
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, err
	}
	base := cfg.PublicURL
	if base == "" {
		base = "http://" + dialableAddr(ln.Addr())
	}
	base = strings.TrimRight(base, "/")
	ttl := s.cfg.SecretLinkTTL
	if ttl == 0 {
		ttl = defaultSecretLinkTT
	}
	h := &HTTPServer{srv: s, listener: ln, links: redact.NewSharedLinkSink(base, ttl, s.state), BaseURL: base,
		sessions: newSessionRegistry(cfg.SessionIdleTTL, cfg.MaxSessions)}
	h.links.AcceptBearer(cfg.Token)
	if s.cfg.Credentials == CredentialsPassthrough {
		h.links.OwnerOf(requestOwner, "the same "+HeaderESAuthorization+" and "+HeaderCloudAPIKey+
			" headers your MCP client sends (the person who asked, and no one else, may open it)")
	}
	h.links.OnOpened(func() { s.cfg.Metrics.SecretHandedOut("link") })
	h.closing, h.stopStreams = context.WithCancel(context.Background())
	withSink := func(ctx context.Context, r *http.Request) context.Context {
		ctx = WithCaller(WithSink(ctx, h.links), callerOf(r))
		if s.cfg.Credentials == CredentialsPassthrough {
			ctx = withRequestCredentials(ctx, r)
		}
		return ctx
	}
	h.stream = mcpserver.NewStreamableHTTPServer(s.MCP,
		mcpserver.WithEndpointPath("/mcp"),
		mcpserver.WithHTTPContextFunc(withSink),
		mcpserver.WithStreamableHTTPLogger(s.logger),
		mcpserver.WithHeartbeatInterval(30*time.Second),
		mcpserver.WithSessionIdManager(h.sessions),
		mcpserver.WithSessionIdleTTL(h.sessions.ttl),
	)
	sseOpts := []mcpserver.SSEOption{
		mcpserver.WithSSEEndpoint("/sse"),
		mcpserver.WithMessageEndpoint("/message"),
		mcpserver.WithSSEContextFunc(func(ctx context.Context, r *http.Request) context.Context {
			// SSE carries no multi round-trip requests: do not offer the
			// 2026-07-28 protocol on it (server/discover reports this list).
			return mcpserver.WithSupportedProtocolVersions(withSink(ctx, r), legacyProtocolVersions())
		}),
		mcpserver.WithKeepAliveInterval(30 * time.Second),
	}
	if cfg.PublicURL != "" {
		// Behind a proxy the public address is known; otherwise the message
		// endpoint is relative, so it resolves against whatever host the
		// client used (localhost, 0.0.0.0, a LAN name).
		sseOpts = append(sseOpts, mcpserver.WithBaseURL(base))
	} else {
		sseOpts = append(sseOpts, mcpserver.WithUseFullURLForMessageEndpoint(false))
	}
	h.sse = mcpserver.NewSSEServer(s.MCP, sseOpts...)
	// A session ended to make room is deleted as a client would delete it,
	// so mcp-go releases its state now rather than after the idle TTL.
	h.sessions.onEvict = func(id string) {
		req := httptest.NewRequest(http.MethodDelete, "/mcp", nil)
		req.Header.Set(mcpserver.HeaderKeySessionID, id)
		h.stream.ServeHTTP(httptest.NewRecorder(), req)
	}
	maxBody := cfg.MaxBodyBytes
	if maxBody <= 0 {
		maxBody = defaultMaxBody
	}
	mux := http.NewServeMux()
	// Authentication comes before anything reads or sizes the body.
	auth := func(next http.Handler) http.Handler {
		return bearerAuth(cfg.Token)(checkCredentialHeaders(s.cfg.Credentials, limitBody(next, maxBody)))
	}
	mux.Handle("/mcp", auth(newCancelWatch().wrap(h.stream)))
	mux.Handle("/sse", auth(h.sse.SSEHandler()))
	mux.Handle("/message", auth(h.sse.MessageHandler()))
	// Secret links authenticate themselves (a per-link code or the token), so
	// that a person can open them in a browser.
	mux.Handle("/secrets/", h.links.Handler())
	mux.Handle("/healthz", h.healthz())
	if s.cfg.Metrics != nil {
		mux.Handle("/metrics", bearerAuth(cfg.Token)(s.cfg.Metrics.Handler()))
		if cfg.MetricsListen != "" {
			mln, err := net.Listen("tcp", cfg.MetricsListen)
			if err != nil {
				ln.Close()
				return nil, fmt.Errorf("--metrics-listen %q: %w", cfg.MetricsListen, err)
			}
			mmux := http.NewServeMux()
			mmux.Handle("/metrics", s.cfg.Metrics.Handler())
			h.metricsListener = mln
			h.metricsHTTP = &http.Server{Handler: mmux, ReadHeaderTimeout: 10 * time.Second}
		}
	}
	h.http = &http.Server{
		Handler:           guard(h.endStreamsOnShutdown(mux), cfg.PublicURL),
		ReadHeaderTimeout: 10 * time.Second,
		// No ReadTimeout or WriteTimeout: event streams stay open for as
		// long as the client listens. Request bodies get their own read
		// deadline (limitBody), idle keep-alive connections are closed.
		IdleTimeout: 2 * time.Minute,
		ErrorLog:    nil,
	}
	return h, nil
}

// Links is the one-time secret link store, e.g. to announce new links on the
// operator's console.
func (h *HTTPServer) Links() *redact.LinkSink { return h.links }

// minTokenLength is the shortest bearer token accepted off loopback.
const minTokenLength = 32

// dialableAddr names a bound address so that it can be opened: a wildcard
// listener (0.0.0.0, [::]) becomes localhost.
func dialableAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// MetricsAddr is the bound address of --metrics-listen, or "".
func (h *HTTPServer) MetricsAddr() string {
	if h.metricsListener == nil {
		return ""
	}
	return h.metricsListener.Addr().String()
}

// Addr is the bound address.
func (h *HTTPServer) Addr() string { return h.listener.Addr().String() }

// Serve serves until ctx is cancelled, then shuts down gracefully: in-flight
// calls get up to 10 seconds to finish.
func (h *HTTPServer) Serve(ctx context.Context) error {
	errc := make(chan error, 2)
	go func() { errc <- h.http.Serve(h.listener) }()
	if h.metricsHTTP != nil {
		go func() { errc <- h.metricsHTTP.Serve(h.metricsListener) }()
		defer h.metricsHTTP.Close()
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h.stopStreams()
	_ = h.stream.Shutdown(shutdownCtx)
	_ = h.sse.Shutdown(shutdownCtx)
	err := h.http.Shutdown(shutdownCtx)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// endStreamsOnShutdown ties GET requests (the event streams of streamable
// HTTP and SSE, which never go idle) to the server's lifetime, so shutdown
// does not wait for clients to hang up; in-flight calls (POST) still finish.
func (h *HTTPServer) endStreamsOnShutdown(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			ctx, cancel := context.WithCancel(r.Context())
			defer cancel()
			stop := context.AfterFunc(h.closing, cancel)
			defer stop()
			r = r.WithContext(ctx)
		}
		next.ServeHTTP(w, r)
	})
}

// Handler exposes the full HTTP handler (for tests).
func (h *HTTPServer) Handler() http.Handler { return h.http.Handler }

// bearerAuth requires Authorization: Bearer <token>, compared in constant
// time. With no token configured (loopback only) it lets requests through.
func bearerAuth(token string) func(http.Handler) http.Handler {
	want := []byte("Bearer " + token)
	return func(next http.Handler) http.Handler {
		if token == "" {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got := []byte(r.Header.Get("Authorization"))
			if subtle.ConstantTimeCompare(got, want) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="elastic-access-mcp"`)
				// Answer without reading the body, and do not read it
				// afterwards to reuse the connection either.
				w.Header().Set("Connection", "close")
				http.Error(w, "unauthorized: send Authorization: Bearer <MCP_HTTP_TOKEN>", http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// queryCredentialNames are refused in query strings: URLs end up in proxy
// and browser logs.
var queryCredentialNames = []string{"access_token", "token", "api_key", "apikey", "key", "password", "auth", "authorization"}

// guard applies the checks every route needs, none of which reads the
// body: DNS-rebinding protection (Host and Origin) and no credentials in
// query strings.
func guard(next http.Handler, publicURL string) http.Handler {
	var publicHost string
	if u, err := url.Parse(publicURL); err == nil {
		publicHost = u.Host
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok && local != nil {
			lh, _, _ := net.SplitHostPort(local.String())
			if isLoopback(lh) && !isLoopbackHostHeader(r.Host) {
				http.Error(w, fmt.Sprintf("forbidden: Host %q is not a loopback name (DNS rebinding protection)", r.Host), http.StatusForbidden)
				return
			}
		}
		if origin := r.Header.Get("Origin"); origin != "" && !originAllowed(origin, r.Host, publicHost) {
			http.Error(w, fmt.Sprintf("forbidden: Origin %q is not this server (cross-site requests are refused)", origin), http.StatusForbidden)
			return
		}
		q := r.URL.Query()
		for _, name := range queryCredentialNames {
			for k := range q {
				if strings.EqualFold(k, name) {
					http.Error(w, "credentials are not accepted in the query string; send Authorization: Bearer <token>", http.StatusBadRequest)
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// originAllowed accepts a browser Origin only for this server itself: the
// host the request was sent to, or the public URL's host. A page on another
// site (or a rebound DNS name) cannot drive the server from a browser.
func originAllowed(origin, host, publicHost string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	if strings.EqualFold(u.Host, host) || (publicHost != "" && strings.EqualFold(u.Host, publicHost)) {
		return true
	}
	// A loopback page for a loopback server (ports may differ behind a
	// local proxy) is the same machine.
	return isLoopbackHostHeader(u.Host) && isLoopbackHostHeader(host)
}

// bodyReadTimeout bounds how long a request body may take to arrive.
const bodyReadTimeout = 30 * time.Second

// limitBody refuses bodies over the limit and gives the body its own read
// deadline: the server has no overall ReadTimeout, which would cut event
// streams.
func limitBody(next http.Handler, maxBody int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxBody {
			w.Header().Set("Connection", "close")
			http.Error(w, fmt.Sprintf("request body too large (limit %d bytes)", maxBody), http.StatusRequestEntityTooLarge)
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(bodyReadTimeout))
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		}
		next.ServeHTTP(w, r)
	})
}

// legacyProtocolVersions are the protocol versions served over SSE.
func legacyProtocolVersions() []string {
	var out []string
	for _, v := range mcp.ValidProtocolVersions {
		if !mcp.IsModernProtocol(v) {
			out = append(out, v)
		}
	}
	return out
}

func isLoopback(host string) bool {
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

func isLoopbackHostHeader(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	return isLoopback(host)
}
