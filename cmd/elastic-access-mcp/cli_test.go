package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// runWithStdin is runCmd with a given standard input.
func runWithStdin(t *testing.T, stdin *os.File, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, stdin, &out, &errb)
	return code, out.String(), errb.String()
}

// clearCredentials empties every credential a developer's shell might hold.
func clearCredentials(t *testing.T) {
	t.Helper()
	for _, k := range []string{"EC_API_KEY", "EC_API_KEY_FILE", "EC_BASE_URL", "EC_ORGANIZATION_ID", "ELASTICSEARCH_URL",
		"ELASTICSEARCH_API_KEY", "ELASTICSEARCH_API_KEY_FILE", "ELASTICSEARCH_USERNAME", "ELASTICSEARCH_PASSWORD",
		"ELASTICSEARCH_PASSWORD_FILE", "KIBANA_URL", "MCP_HTTP_TOKEN", "MCP_PUBLIC_URL"} {
		t.Setenv(k, "")
	}
}

func TestHelpListsTheCommands(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		code, out, errs := runCmd(t, args...)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		for _, cmd := range []string{"stdio", "http", "tools", "call", "sandbox", "version"} {
			if !regexp.MustCompile(`(?m)^  ` + cmd + ` `).MatchString(out) {
				t.Errorf("%v does not list the %s command:\n%s", args, cmd, out)
			}
		}
	}
}

// Every command's --help exits 0 and prints its usage and flags on stdout.
func TestCommandHelp(t *testing.T) {
	for cmd, flagName := range map[string]string{"stdio": "-allow-writes", "http": "-listen", "tools": "-json", "call": "-yes", "sandbox": "-flavor"} {
		for _, args := range [][]string{{cmd, "--help"}, {"help", cmd}} {
			code, out, errs := runCmd(t, args...)
			if code != exitOK || !strings.Contains(out, "Usage: elastic-access-mcp ") || !strings.Contains(out, flagName) {
				t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errs)
			}
		}
	}
	code, out, _ := runCmd(t, "call", "--help")
	if code != exitOK || !strings.Contains(out, "call TOOL") || !strings.Contains(out, "--yes") {
		t.Fatalf("call --help: exit %d: %s", code, out)
	}
}

func TestCallAcceptsFlagsBeforeTheToolName(t *testing.T) {
	code, out, errs := runCmd(t, "call", "--sandbox", "--log-level", "error", "--env-file", "", "whoami")
	if code != exitOK || !strings.Contains(out, "safety_tier") {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	code, _, errs = runCmd(t, "call", "--sandbox", "--env-file", "")
	if code != exitUsage || !strings.Contains(errs, "which tool?") {
		t.Fatalf("no tool name: exit %d: %s", code, errs)
	}
	code, _, errs = runCmd(t, "call", "whoami", "extra", "--sandbox", "--env-file", "")
	if code != exitUsage || !strings.Contains(errs, `unexpected argument "extra"`) {
		t.Fatalf("stray argument: exit %d: %s", code, errs)
	}
}

func TestMissingEnvFileIsAnError(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "prod.env")
	for _, cmd := range []string{"tools", "stdio", "http"} {
		code, _, errs := runCmd(t, cmd, "--env-file", missing)
		if code != exitUsage || !strings.Contains(errs, missing) {
			t.Errorf("%s: exit %d: %s", cmd, code, errs)
		}
	}
	code, _, errs := runCmd(t, "call", "whoami", "--sandbox", "--env-file", missing)
	if code != exitUsage || !strings.Contains(errs, missing) {
		t.Errorf("call: exit %d: %s", code, errs)
	}
}

// /dev/null on stdin (cron, CI, `</dev/null`) is no terminal: a change that
// needs approval says to re-run with --yes, not that the person declined.
func TestCallWithDevNullStdinAsksForYes(t *testing.T) {
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	dir := t.TempDir()
	code, _, errs := runWithStdin(t, null, "call", "remove_org_members", "--args", `{"members":["carol@example.com"]}`,
		"--sandbox", "--allow-destructive", "--log-level", "error", "--secrets-dir", filepath.Join(dir, "s"), "--env-file", "")
	// The advice for MCP clients (elicitation, --confirm=param) is not for
	// a person at this command.
	if code != exitToolError || !strings.Contains(errs, "re-run with --yes") || strings.Contains(errs, "declined") ||
		strings.Contains(errs, "supports MCP elicitation") {
		t.Fatalf("exit %d: %s", code, errs)
	}
}

// Without credentials, call names the missing credential, as tools does,
// instead of suggesting a safety flag that would not help.
func TestCallNamesTheMissingCredential(t *testing.T) {
	clearCredentials(t)
	code, _, errs := runCmd(t, "call", "list_org_members", "--env-file", "", "--log-level", "error")
	if code != exitUsage || !strings.Contains(errs, "EC_API_KEY") || strings.Contains(errs, "--allow-writes") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	code, _, errs = runCmd(t, "call", "create_user", "--sandbox", "--env-file", "", "--log-level", "error")
	if code != exitUsage || !strings.Contains(errs, "--allow-writes") {
		t.Fatalf("write tool, read-only server: exit %d: %s", code, errs)
	}
	code, _, errs = runCmd(t, "call", "no_such_tool", "--sandbox", "--env-file", "", "--log-level", "error")
	if code != exitUsage || !strings.Contains(errs, `there is no tool "no_such_tool"`) {
		t.Fatalf("unknown tool: exit %d: %s", code, errs)
	}
}

// Error texts end each sentence before the next begins.
func TestErrorTextsDoNotRunSentencesTogether(t *testing.T) {
	code, _, errs := runCmd(t, "call", "get_roles", "--args", `{"nmes":["x"]}`, "--sandbox", "--log-level", "error", "--env-file", "")
	if code != exitToolError || !strings.Contains(errs, "Nothing was changed") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if m := regexp.MustCompile(`[a-z0-9_"] (Nothing was changed|Next:)`).FindString(errs); m != "" {
		t.Fatalf("sentences run together at %q: %s", m, errs)
	}
}

func TestConfirmNoneWithDestructiveWarnsLoudly(t *testing.T) {
	code, _, errs := runCmd(t, "tools", "--sandbox", "--allow-destructive", "--confirm", "none", "--env-file", "")
	if code != exitOK || !strings.Contains(errs, "DANGER") || !strings.Contains(errs, "--confirm none") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	code, _, errs = runCmd(t, "tools", "--sandbox", "--allow-destructive", "--env-file", "")
	if code != exitOK || strings.Contains(errs, "DANGER") {
		t.Fatalf("the default must not warn: exit %d: %s", code, errs)
	}
}

// The http command refuses settings that would serve without real
// authentication, before listening.
func TestHTTPRefusesWeakExposure(t *testing.T) {
	clearCredentials(t)
	t.Setenv("MCP_PUBLIC_URL", "https://mcp.example.com")
	code, _, errs := runCmd(t, "http", "--listen", "127.0.0.1:0", "--env-file", "", "--log-level", "error")
	if code != exitUsage || !strings.Contains(errs, "MCP_HTTP_TOKEN") {
		t.Fatalf("proxy without a token: exit %d: %s", code, errs)
	}
	t.Setenv("MCP_PUBLIC_URL", "")
	t.Setenv("MCP_HTTP_TOKEN", "abc")
	code, _, errs = runCmd(t, "http", "--listen", "0.0.0.0:0", "--env-file", "", "--log-level", "error")
	if code != exitUsage || !strings.Contains(errs, "at least 32") {
		t.Fatalf("short token off loopback: exit %d: %s", code, errs)
	}
}
