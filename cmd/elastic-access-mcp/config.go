package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/cloudapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox"
	"github.com/elastic-access-mcp/elastic-access-mcp/server"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
	"github.com/joho/godotenv"
)

// commonFlags are shared by stdio, http, tools and call.
type commonFlags struct {
	sandbox          bool
	flavor           string
	allowWrites      bool
	allowDestructive bool
	toolsets         string
	tools            string
	excludeTools     string
	confirm          string
	secretsDir       string
	auditLog         string
	logLevel         string
	envFile          string
	maxKeyExpiration string
}

func (c *commonFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&c.sandbox, "sandbox", false, "run against built-in emulators of Elastic Cloud, Elasticsearch and Kibana seeded with a demo organization (no credentials needed)")
	fs.StringVar(&c.flavor, "flavor", "stack", "with --sandbox: the Elasticsearch flavour, stack or serverless")
	fs.BoolVar(&c.allowWrites, "allow-writes", false, "register tools that create or add (invite, assign, create keys, put roles)")
	fs.BoolVar(&c.allowDestructive, "allow-destructive", false, "also register tools that delete, revoke or remove access (implies --allow-writes)")
	fs.StringVar(&c.toolsets, "toolsets", "", "comma-separated toolsets to enable (default all): "+strings.Join(toolkit.ToolsetNames(), ", "))
	fs.StringVar(&c.tools, "tools", "", "comma-separated tool names: only these are registered")
	fs.StringVar(&c.excludeTools, "exclude-tools", "", "comma-separated tool names never registered (wins over everything)")
	fs.StringVar(&c.confirm, "confirm", "elicit", "how destructive and privilege-escalating calls are approved: elicit (ask the person through the client), param (require confirm: true), none")
	fs.StringVar(&c.secretsDir, "secrets-dir", "", "directory (mode 0700) where withheld secrets are written as 0600 files (default: "+defaultSecretsDirHint()+")")
	fs.StringVar(&c.auditLog, "audit-log", "", "append one JSON audit line per tool call to this file (default: stderr)")
	fs.StringVar(&c.logLevel, "log-level", "info", "debug, info, warn or error (logs go to stderr)")
	fs.StringVar(&c.envFile, "env-file", ".env", "load settings from this file if it exists; the real environment wins")
	fs.StringVar(&c.maxKeyExpiration, "max-key-expiration", "90d", "longest expiration allowed for new Cloud and Elasticsearch API keys")
}

func defaultSecretsDirHint() string {
	if os.Getenv("XDG_RUNTIME_DIR") != "" {
		return "$XDG_RUNTIME_DIR/elastic-access-mcp/secrets"
	}
	return "<temp dir>/elastic-access-mcp-<uid>/secrets"
}

// built is a configuration ready to use, with what must be released.
type built struct {
	cfg     server.Config
	sandbox *sandbox.Sandbox
	closers []io.Closer
}

func (b *built) Close() {
	for _, c := range b.closers {
		_ = c.Close()
	}
	if b.sandbox != nil {
		b.sandbox.Close()
	}
}

// buildConfig turns flags, the environment and the env file into a server
// configuration. With --sandbox it starts the emulators in-process and points
// every client at them.
func buildConfig(c *commonFlags, stderr io.Writer) (*built, error) {
	if c.envFile != "" {
		if _, err := os.Stat(c.envFile); err == nil {
			// godotenv.Load never overrides variables already set.
			if err := godotenv.Load(c.envFile); err != nil {
				return nil, fmt.Errorf("read %s: %w", c.envFile, err)
			}
		}
	}
	level, err := parseLevel(c.logLevel)
	if err != nil {
		return nil, err
	}
	confirm, err := toolkit.ParseConfirmMode(c.confirm)
	if err != nil {
		return nil, err
	}
	maxExp, err := toolkit.ParseDuration(c.maxKeyExpiration)
	if err != nil {
		return nil, fmt.Errorf("--max-key-expiration: %w", err)
	}
	b := &built{}
	logger := server.NewLogger(stderr, level)
	b.cfg = server.Config{
		Name:    "elastic-access-mcp",
		Version: version(),
		Selection: toolkit.Selection{
			AllowWrites:      c.allowWrites,
			AllowDestructive: c.allowDestructive,
			Toolsets:         splitList(c.toolsets),
			Tools:            splitList(c.tools),
			ExcludeTools:     splitList(c.excludeTools),
		},
		Confirm:    confirm,
		Limits:     toolkit.Limits{MaxCloudKeyExpiration: maxExp, MaxESKeyExpiration: maxExp},
		SecretsDir: c.secretsDir,
		Logger:     logger,
	}
	if c.auditLog != "" {
		f, err := os.OpenFile(c.auditLog, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return nil, fmt.Errorf("--audit-log: %w", err)
		}
		b.closers = append(b.closers, f)
		b.cfg.Audit = f
	}

	get := os.Getenv
	if c.sandbox {
		opts := sandbox.Options{Flavor: c.flavor}
		// Undocumented, for benchmarks: grow the demo seed.
		if opts.ExtraMembers, err = envInt("EAM_SANDBOX_EXTRA_MEMBERS"); err != nil {
			return nil, err
		}
		if opts.ExtraRoles, err = envInt("EAM_SANDBOX_EXTRA_ROLES"); err != nil {
			return nil, err
		}
		if v := os.Getenv("EAM_SANDBOX_CLOUD_RATE_LIMIT"); v == "off" {
			opts.CloudRateLimit = -1
		} else if opts.CloudRateLimit, err = envInt("EAM_SANDBOX_CLOUD_RATE_LIMIT"); err != nil {
			return nil, err
		}
		sb, err := sandbox.Start(opts)
		if err != nil {
			return nil, err
		}
		b.sandbox = sb
		vars := map[string]string{}
		for _, kv := range sb.Vars() {
			vars[kv[0]] = kv[1]
		}
		// On the stack flavour the sandbox's server authenticates to
		// Elasticsearch as the demo admin user: as in real Elasticsearch, a
		// server running on an API key could only create API keys without
		// privileges. Serverless has no native users, so it keeps the key.
		if vars["ELASTICSEARCH_USERNAME"] != "" && vars["ELASTICSEARCH_PASSWORD"] != "" {
			delete(vars, "ELASTICSEARCH_API_KEY")
		}
		get = func(k string) string { return vars[k] }
		logger.Info("sandbox mode: every tool talks to built-in emulators seeded with a demo organization; nothing real is changed",
			"cloud", sb.CloudURL, "elasticsearch", sb.ElasticsearchURL, "kibana", sb.KibanaURL, "flavor", c.flavor)
	}
	secret := func(name string) (string, error) { return secretFromEnv(get, name) }

	ecKey, err := secret("EC_API_KEY")
	if err != nil {
		return nil, err
	}
	if ecKey != "" {
		b.cfg.Cloud = cloudapi.Config{
			BaseURL:        firstNonEmpty(get("EC_BASE_URL"), "https://api.elastic-cloud.com"),
			APIKey:         ecKey,
			OrganizationID: get("EC_ORGANIZATION_ID"),
			// The id of the key itself: lets delete_cloud_api_keys refuse to
			// delete the key the server runs with, exactly.
			APIKeyID: get("EC_API_KEY_ID"),
			Timeout:  30 * time.Second,
		}
	}
	esKey, err := secret("ELASTICSEARCH_API_KEY")
	if err != nil {
		return nil, err
	}
	esPass, err := secret("ELASTICSEARCH_PASSWORD")
	if err != nil {
		return nil, err
	}
	if url := get("ELASTICSEARCH_URL"); url != "" {
		b.cfg.Elasticsearch = esapi.Config{
			URL:      url,
			APIKey:   esKey,
			CACert:   get("ELASTICSEARCH_CA_CERT"),
			Insecure: isTrue(get("ELASTICSEARCH_INSECURE")),
		}
		if esKey == "" {
			b.cfg.Elasticsearch.Username, b.cfg.Elasticsearch.Password = get("ELASTICSEARCH_USERNAME"), esPass
		}
		if esKey == "" && (b.cfg.Elasticsearch.Username == "" || esPass == "") {
			return nil, errors.New("ELASTICSEARCH_URL is set but no credential: set ELASTICSEARCH_API_KEY, or ELASTICSEARCH_USERNAME and ELASTICSEARCH_PASSWORD")
		}
		if b.cfg.Elasticsearch.Insecure {
			logger.Warn("ELASTICSEARCH_INSECURE is set: TLS certificates of Elasticsearch and Kibana are not verified; use ELASTICSEARCH_CA_CERT instead")
		}
	}
	if url := get("KIBANA_URL"); url != "" {
		b.cfg.Kibana = esapi.KibanaConfig{
			URL:      url,
			APIKey:   b.cfg.Elasticsearch.APIKey,
			Username: b.cfg.Elasticsearch.Username,
			Password: b.cfg.Elasticsearch.Password,
		}
	}
	token, err := secretFromEnv(os.Getenv, "MCP_HTTP_TOKEN")
	if err != nil {
		return nil, err
	}
	b.cfg.HTTP.Token = token
	b.cfg.HTTP.PublicURL = os.Getenv("MCP_PUBLIC_URL")
	return b, nil
}

// secretFromEnv reads NAME, or the file named by NAME_FILE (for Docker and
// Kubernetes secrets). Setting both is an error: which one wins would be a
// guess.
func secretFromEnv(get func(string) string, name string) (string, error) {
	v, file := get(name), get(name+"_FILE")
	if v != "" && file != "" {
		return "", fmt.Errorf("both %s and %s_FILE are set; keep one", name, name)
	}
	if file == "" {
		return v, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("%s_FILE: %w", name, err)
	}
	return strings.TrimSpace(string(b)), nil
}

func parseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, nil
	case "info", "":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("--log-level must be debug, info, warn or error, not %q", s)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func isTrue(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// envInt reads a non-negative integer from the environment; unset is 0.
func envInt(name string) (int, error) {
	v := strings.TrimSpace(os.Getenv(name))
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s must be a non-negative integer, not %q", name, v)
	}
	return n, nil
}
