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
	"github.com/elastic-access-mcp/elastic-access-mcp/redact"
	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox"
	"github.com/elastic-access-mcp/elastic-access-mcp/server"
	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
	"github.com/joho/godotenv"
)

// commonFlags are shared by stdio, http, tools and call.
type commonFlags struct {
	sandbox          bool
	flavor           string
	seed             string
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
	callTimeout      string
	// credentials is registered by the http command only (--credentials).
	credentials string
}

func (c *commonFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&c.sandbox, "sandbox", false, "run against built-in emulators of Elastic Cloud, Elasticsearch and Kibana seeded with a demo organization (no credentials needed)")
	fs.StringVar(&c.flavor, "flavor", "stack", "with --sandbox: the Elasticsearch flavour, stack or serverless")
	fs.StringVar(&c.seed, "seed", "demo", "with --sandbox: demo (demo organization, users, roles, keys) or none (only the operator)")
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
	fs.StringVar(&c.callTimeout, "call-timeout", "", "deadline of one tool call, retries included, e.g. 90s (default: $MCP_CALL_TIMEOUT or 1m)")
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
	src := settingSources{file: c.envFile, fromFile: map[string]bool{}}
	if c.envFile != "" {
		if _, err := os.Stat(c.envFile); err == nil {
			fileVals, err := godotenv.Read(c.envFile)
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", c.envFile, err)
			}
			// As godotenv.Load, without reading the file again: a variable
			// already set is never overridden.
			for k, v := range fileVals {
				if _, set := os.LookupEnv(k); !set {
					src.fromFile[k] = true
					if err := os.Setenv(k, v); err != nil {
						return nil, fmt.Errorf("read %s: %w", c.envFile, err)
					}
				}
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
	callTimeout, err := parseCallTimeout(firstNonEmpty(c.callTimeout, os.Getenv("MCP_CALL_TIMEOUT")))
	if err != nil {
		return nil, err
	}
	creds, err := server.ParseCredentialsMode(c.credentials)
	if err != nil {
		return nil, err
	}
	passthrough := creds == server.CredentialsPassthrough
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
		Confirm:     confirm,
		Limits:      toolkit.Limits{MaxCloudKeyExpiration: maxExp, MaxESKeyExpiration: maxExp},
		SecretsDir:  c.secretsDir,
		Logger:      logger,
		CallTimeout: callTimeout,
		Credentials: creds,
	}
	if c.auditLog != "" {
		f, notice, err := redact.OpenPrivateAppend(c.auditLog)
		if err != nil {
			return nil, fmt.Errorf("--audit-log: %w", err)
		}
		if notice != "" {
			logger.Warn("--audit-log: " + notice)
		}
		b.closers = append(b.closers, f)
		b.cfg.Audit = f
	}

	get := os.Getenv
	if c.sandbox {
		opts := sandbox.Options{Flavor: c.flavor, Seed: c.seed}
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
	if !c.sandbox {
		if err := src.checkEndpoints(get); err != nil {
			return nil, err
		}
		src.log(logger, get)
	}

	ecKey, err := secret("EC_API_KEY")
	if err != nil {
		return nil, err
	}
	if passthrough {
		// Callers bring the keys; the endpoint is the operator's.
		b.cfg.Cloud = cloudapi.Config{BaseURL: firstNonEmpty(get("EC_BASE_URL"), "https://api.elastic-cloud.com"),
			APIKey: ecKey, Timeout: 30 * time.Second}
	} else if ecKey != "" {
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
		if esKey == "" && (b.cfg.Elasticsearch.Username == "" || esPass == "") && !passthrough {
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

// settingSources tells where each setting came from: the real environment
// or the env file. An endpoint and the credential sent to it must come from
// the same place: a .env file in the working directory (a cloned repository
// the client was started in) cannot override variables that are set, but it
// could fill in an endpoint while the operator's key comes from the real
// environment, and so send that key to a host of its choosing.
type settingSources struct {
	file     string
	fromFile map[string]bool // names set by the env file, not by the environment
}

// endpointGroups are the endpoints with the settings that must share their
// source: the credentials sent to them and how their TLS is checked.
var endpointGroups = [][]string{
	{"EC_BASE_URL", "EC_API_KEY", "EC_API_KEY_FILE"},
	{"ELASTICSEARCH_URL", "ELASTICSEARCH_API_KEY", "ELASTICSEARCH_API_KEY_FILE", "ELASTICSEARCH_USERNAME",
		"ELASTICSEARCH_PASSWORD", "ELASTICSEARCH_PASSWORD_FILE", "ELASTICSEARCH_CA_CERT", "ELASTICSEARCH_INSECURE"},
	{"KIBANA_URL", "ELASTICSEARCH_API_KEY", "ELASTICSEARCH_API_KEY_FILE", "ELASTICSEARCH_USERNAME",
		"ELASTICSEARCH_PASSWORD", "ELASTICSEARCH_PASSWORD_FILE"},
}

// of names the source of a setting that is set.
func (s settingSources) of(name string) string {
	if s.fromFile[name] {
		return "the env file " + s.file
	}
	return "the environment"
}

// checkEndpoints refuses a configuration whose endpoint and credential come
// from different sources, saying which came from where.
func (s settingSources) checkEndpoints(get func(string) string) error {
	for _, group := range endpointGroups {
		if get(group[0]) == "" {
			continue // the default endpoint (Elastic Cloud) or none
		}
		var parts []string
		sources := map[string]bool{}
		for _, name := range group {
			if get(name) == "" {
				continue
			}
			sources[s.of(name)] = true
			parts = append(parts, name+" from "+s.of(name))
		}
		if len(sources) > 1 {
			return fmt.Errorf("refusing to start: %s and its credentials come from different places (%s). An endpoint and the credential sent to it must be set together: put them all in the environment, or all in the env file (remove the others, or start with --env-file \"\" to ignore the file)",
				group[0], strings.Join(parts, ", "))
		}
	}
	return nil
}

// settingNames are the settings whose source is logged at start.
var settingNames = []string{"EC_BASE_URL", "EC_API_KEY", "EC_API_KEY_FILE", "EC_API_KEY_ID", "EC_ORGANIZATION_ID",
	"ELASTICSEARCH_URL", "ELASTICSEARCH_API_KEY", "ELASTICSEARCH_API_KEY_FILE", "ELASTICSEARCH_USERNAME",
	"ELASTICSEARCH_PASSWORD", "ELASTICSEARCH_PASSWORD_FILE", "ELASTICSEARCH_CA_CERT", "ELASTICSEARCH_INSECURE",
	"KIBANA_URL", "MCP_HTTP_TOKEN", "MCP_HTTP_TOKEN_FILE", "MCP_PUBLIC_URL", "MCP_CALL_TIMEOUT"}

// log writes where each setting that is set came from: names and sources
// only, never values.
func (s settingSources) log(logger *slog.Logger, get func(string) string) {
	var env, file []string
	for _, name := range settingNames {
		if get(name) == "" {
			continue
		}
		if s.fromFile[name] {
			file = append(file, name)
		} else {
			env = append(env, name)
		}
	}
	logger.Info("settings", "from_environment", strings.Join(env, ","), "from_env_file", strings.Join(file, ","), "env_file", s.file)
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

// parseCallTimeout reads --call-timeout / MCP_CALL_TIMEOUT ("" = default).
func parseCallTimeout(v string) (time.Duration, error) {
	if strings.TrimSpace(v) == "" {
		return server.DefaultCallTimeout, nil
	}
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil || d < time.Second {
		return 0, fmt.Errorf("--call-timeout (or MCP_CALL_TIMEOUT) must be a duration of at least 1s such as 90s or 2m, not %q", v)
	}
	return d, nil
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
