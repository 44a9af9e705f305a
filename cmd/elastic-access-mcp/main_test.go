package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	// A closed pipe as stdin: like CI, there is no terminal to ask on.
	r, w, _ := os.Pipe()
	_ = w.Close()
	defer r.Close()
	code := run(args, r, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCallExitCodes(t *testing.T) {
	dir := t.TempDir()
	common := []string{"--sandbox", "--log-level", "error", "--secrets-dir", filepath.Join(dir, "s"), "--env-file", ""}

	code, out, errs := runCmd(t, append([]string{"call", "whoami"}, common...)...)
	if code != exitOK {
		t.Fatalf("whoami: exit %d: %s", code, errs)
	}
	var who map[string]any
	if err := json.Unmarshal([]byte(out), &who); err != nil || who["safety_tier"] != "read-only" {
		t.Fatalf("whoami printed %q (%v)", out, err)
	}

	code, _, errs = runCmd(t, append([]string{"call", "get_roles", "--args", `{"nmes":["x"]}`}, common...)...)
	if code != exitToolError || !strings.Contains(errs, `unknown argument(s) "nmes"`) {
		t.Fatalf("tool error: exit %d: %s", code, errs)
	}
	code, _, errs = runCmd(t, append([]string{"call", "delete_roles", "--args", `{}`}, common...)...)
	if code != exitUsage || !strings.Contains(errs, "--allow-destructive") {
		t.Fatalf("unavailable tool: exit %d: %s", code, errs)
	}
	code, _, _ = runCmd(t, append([]string{"call", "whoami", "--args", `not json`}, common...)...)
	if code != exitUsage {
		t.Fatalf("bad --args: exit %d", code)
	}
	code, _, _ = runCmd(t, "call")
	if code != exitUsage {
		t.Fatalf("call without a tool: exit %d", code)
	}
	code, _, errs = runCmd(t, append([]string{"tools", "--toolsets", "rolez"}, common...)...)
	if code != exitUsage || !strings.Contains(errs, `unknown toolset "rolez"`) {
		t.Fatalf("unknown toolset must fail start-up: exit %d: %s", code, errs)
	}
	code, _, _ = runCmd(t, "frobnicate")
	if code != exitUsage {
		t.Fatalf("unknown command: exit %d", code)
	}
}

// Without a terminal, a change that needs approval is refused unless --yes
// says the person approved it up front.
func TestCallConfirmationNeedsYesWithoutATerminal(t *testing.T) {
	dir := t.TempDir()
	common := []string{"--sandbox", "--allow-destructive", "--log-level", "error", "--secrets-dir", filepath.Join(dir, "s"), "--env-file", ""}
	args := `{"members":["carol@example.com"]}`

	code, _, errs := runCmd(t, append([]string{"call", "remove_org_members", "--args", args}, common...)...)
	if code != exitToolError || !strings.Contains(errs, "--yes") {
		t.Fatalf("without --yes: exit %d: %s", code, errs)
	}
	code, out, errs := runCmd(t, append([]string{"call", "remove_org_members", "--args", args, "--yes"}, common...)...)
	if code != exitOK || !strings.Contains(out, "carol@example.com") {
		t.Fatalf("with --yes: exit %d: %s %s", code, out, errs)
	}
}

func TestEnvFileAndSecretFiles(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "ec-key")
	if err := os.WriteFile(keyFile, []byte("from-file-key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	envFile := filepath.Join(dir, ".env")
	if err := os.WriteFile(envFile, []byte("EC_API_KEY_FILE="+keyFile+"\nEC_BASE_URL=http://from-dotenv.invalid\nEC_ORGANIZATION_ID=from-dotenv\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"EC_API_KEY", "EC_API_KEY_FILE", "EC_BASE_URL", "EC_ORGANIZATION_ID", "ELASTICSEARCH_URL", "ELASTICSEARCH_API_KEY", "KIBANA_URL"} {
		t.Setenv(k, "")
		_ = os.Unsetenv(k)
	}
	t.Setenv("EC_ORGANIZATION_ID", "from-environment") // the real environment wins over .env

	var stderr bytes.Buffer
	b, err := buildConfig(&commonFlags{envFile: envFile, logLevel: "info", confirm: "elicit", maxKeyExpiration: "30d"}, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.cfg.Cloud.APIKey != "from-file-key" {
		t.Errorf("EC_API_KEY_FILE not read (trimmed): %q", b.cfg.Cloud.APIKey)
	}
	if b.cfg.Cloud.BaseURL != "http://from-dotenv.invalid" {
		t.Errorf(".env not loaded: base URL %q", b.cfg.Cloud.BaseURL)
	}
	if b.cfg.Cloud.OrganizationID != "from-environment" {
		t.Errorf("environment should win over .env: %q", b.cfg.Cloud.OrganizationID)
	}
	if b.cfg.Limits.MaxCloudKeyExpiration.Hours() != 30*24 {
		t.Errorf("--max-key-expiration not applied: %v", b.cfg.Limits.MaxCloudKeyExpiration)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, k := range []string{"EC_API_KEY", "EC_API_KEY_FILE", "ELASTICSEARCH_URL", "ELASTICSEARCH_API_KEY", "ELASTICSEARCH_USERNAME", "ELASTICSEARCH_PASSWORD", "KIBANA_URL"} {
		t.Setenv(k, "")
	}
	cases := []struct {
		name string
		env  map[string]string
		fl   commonFlags
		want string
	}{
		{"both value and file", map[string]string{"EC_API_KEY": "a", "EC_API_KEY_FILE": "/nonexistent"}, commonFlags{}, "keep one"},
		{"missing secret file", map[string]string{"EC_API_KEY_FILE": "/nonexistent/key"}, commonFlags{}, "EC_API_KEY_FILE"},
		{"url without credentials", map[string]string{"ELASTICSEARCH_URL": "http://127.0.0.1:1"}, commonFlags{}, "no credential"},
		{"bad confirm mode", nil, commonFlags{confirm: "maybe"}, "--confirm"},
		{"bad log level", nil, commonFlags{logLevel: "loud"}, "--log-level"},
		{"bad expiration", nil, commonFlags{maxKeyExpiration: "forever"}, "--max-key-expiration"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			fl := tc.fl
			if fl.logLevel == "" {
				fl.logLevel = "info"
			}
			if fl.maxKeyExpiration == "" {
				fl.maxKeyExpiration = "90d"
			}
			_, err := buildConfig(&fl, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}

func TestVersionAndHelp(t *testing.T) {
	code, out, _ := runCmd(t, "version")
	if code != exitOK || !strings.HasPrefix(out, "elastic-access-mcp ") {
		t.Fatalf("version: %d %q", code, out)
	}
	code, out, _ = runCmd(t, "help")
	if code != exitOK || !strings.Contains(out, "\n  call ") {
		t.Fatalf("help: %d %q", code, out)
	}
}

// The quick start works in both sandbox flavours.
func TestSandboxFlavoursStart(t *testing.T) {
	for _, flavor := range []string{"stack", "serverless"} {
		t.Run(flavor, func(t *testing.T) {
			code, out, errs := runCmd(t, "call", "whoami", "--sandbox", "--flavor", flavor, "--log-level", "error", "--env-file", "")
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errs)
			}
			var who struct {
				Elasticsearch map[string]any `json:"elasticsearch"`
			}
			if err := json.Unmarshal([]byte(out), &who); err != nil || who.Elasticsearch == nil || who.Elasticsearch["error"] != nil {
				t.Fatalf("whoami did not reach Elasticsearch: %v %s", err, out)
			}
		})
	}
}
