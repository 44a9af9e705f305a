package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/metrics"
	"github.com/elastic-access-mcp/elastic-access-mcp/server"
	"github.com/elastic-access-mcp/elastic-access-mcp/state"
)

// teamFlags are the http command's settings for running as a team service: whose credentials calls use, where
// replicas share their state, and where metrics are served.
type teamFlags struct {
	listen        string
	linkTTL       time.Duration
	stateStore    string
	metricsListen string
	noMetrics     bool
	rateLimit     int
	fixedTarget   bool
}

// newHTTPCommand is the http command's flag set: the shared flags, the listener's and the team's.
func newHTTPCommand(stdout, stderr io.Writer) (*flagSet, *commonFlags, *teamFlags) {
	fs, c := newCommand("http", stdout, stderr)
	t := &teamFlags{}
	fs.StringVar(&t.listen, "listen", "127.0.0.1:8080", "address to listen on (0.0.0.0:8080 in a container); off loopback MCP_HTTP_TOKEN is required")
	fs.DurationVar(&t.linkTTL, "secret-link-ttl", 10*time.Minute, "how long a one-time link to a withheld secret stays valid")
	t.register(fs.FlagSet, c)
	return fs, c, t
}

func (t *teamFlags) register(fs *flag.FlagSet, c *commonFlags) {
	fs.StringVar(&c.credentials, "credentials", "operator", "whose Elastic credentials calls use: operator (the server's own) or passthrough (each request's X-Elastic-Cloud-Api-Key and X-Elasticsearch-Authorization headers; the server holds none, the endpoints stay the operator's)")
	fs.StringVar(&t.stateStore, "state-store", "", "where replicas share used approvals, secret links and rate counters: memory (one replica) or redis://HOST:PORT/DB (Redis 6.2+ or Valkey; needs MCP_STATE_KEY) (default: $MCP_STATE_STORE or memory)")
	fs.StringVar(&t.metricsListen, "metrics-listen", "", "also serve /metrics without the token on this address, e.g. 127.0.0.1:9090 (it is always served on the main listener behind the token)")
	fs.BoolVar(&t.noMetrics, "no-metrics", false, "do not serve /metrics")
	fs.BoolVar(&t.fixedTarget, "fixed-target", false, "stack tools act only on ELASTICSEARCH_URL/KIBANA_URL: a call naming a Serverless project is refused")
	fs.IntVar(&t.rateLimit, "rate-limit", 0, "most tool calls one caller may make per minute, counted in the state store across replicas (0 = no limit)")
}

// apply opens the state store and the metrics registry into cfg. It refuses a shared store without the state
// key, one that does not answer, and one that may evict records (a used approval could be forgotten).
func (t *teamFlags) apply(ctx context.Context, cfg *server.Config, b *built) error {
	spec := firstNonEmpty(t.stateStore, os.Getenv("MCP_STATE_STORE"), "memory")
	keys, err := state.LoadKeyring(os.Getenv)
	if err != nil {
		return err
	}
	store, err := state.Open(spec, keys)
	if err != nil {
		return fmt.Errorf("--state-store: %w", err)
	}
	b.closers = append(b.closers, store)
	hctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := store.Health(hctx); err != nil {
		if errors.Is(err, state.ErrEvicting) {
			return fmt.Errorf("--state-store %s: %w; set maxmemory-policy noeviction", state.Redact(spec), err)
		}
		var ue *state.UnavailableError
		if errors.As(err, &ue) && ue.Err != nil {
			return fmt.Errorf("--state-store %s does not answer: %v", state.Redact(spec), ue.Err)
		}
		return fmt.Errorf("--state-store %s: %w", state.Redact(spec), err)
	}
	cfg.State, cfg.StateKeys = store, keys
	if !t.noMetrics {
		cfg.Metrics = metrics.New()
	}
	cfg.HTTP.MetricsListen = t.metricsListen
	if t.rateLimit < 0 {
		return errors.New("--rate-limit must be 0 (no limit) or more")
	}
	cfg.RateLimit = t.rateLimit
	cfg.FixedTarget = t.fixedTarget
	cfg.Logger.Info("state store", "store", state.Redact(spec), "kind", store.Kind(), "shared_key", keys != nil,
		"credentials_mode", string(cfg.Credentials))
	return nil
}
