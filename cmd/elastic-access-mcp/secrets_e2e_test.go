package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// These tests run the built binary the way a person does: the emulators in
// one process (`sandbox`, which prints its demo credentials), the server in
// another, talking to it over real HTTP. The test then knows every secret in
// play (the sandbox's credentials, the invitation tokens the Cloud emulator
// issued, and the secrets the tools created) and proves that none of them
// appears in anything the server printed, logged or returned.

// startSandboxProcess runs `elastic-access-mcp sandbox` and returns its
// KEY=VALUE settings.
func startSandboxProcess(t *testing.T, bin string) map[string]string {
	t.Helper()
	cmd := exec.Command(bin, "sandbox")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
	vars := map[string]string{}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if ok {
			vars[k] = v
		}
		if k == "KIBANA_URL" {
			break
		}
	}
	for _, k := range []string{"EC_BASE_URL", "EC_API_KEY", "EC_MEMBER_API_KEY", "ELASTICSEARCH_URL", "ELASTICSEARCH_API_KEY", "ELASTICSEARCH_USERNAME", "ELASTICSEARCH_PASSWORD", "KIBANA_URL"} {
		if vars[k] == "" {
			t.Fatalf("sandbox did not print %s (got %v)", k, keys(vars))
		}
	}
	return vars
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func serverEnv(vars map[string]string) []string {
	env := []string{"HOME=" + os.Getenv("HOME"), "PATH=" + os.Getenv("PATH")}
	// Basic authentication: a server on an API key could only create API
	// keys without privileges (as in real Elasticsearch).
	for _, k := range []string{"EC_BASE_URL", "EC_API_KEY", "ELASTICSEARCH_URL", "ELASTICSEARCH_USERNAME", "ELASTICSEARCH_PASSWORD", "KIBANA_URL"} {
		env = append(env, k+"="+vars[k])
	}
	return env
}

func callBinaryTool(t *testing.T, c *client.Client, name string, args map[string]any) (map[string]any, string) {
	t.Helper()
	var req mcp.CallToolRequest
	req.Params.Name = name
	req.Params.Arguments = args
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := c.CallTool(ctx, req)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	raw, _ := json.Marshal(res)
	if res.IsError {
		t.Fatalf("%s failed: %s", name, raw)
	}
	b, _ := json.Marshal(res.StructuredContent)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out, string(raw)
}

func location(t *testing.T, out map[string]any, field string) string {
	t.Helper()
	ref, _ := out[field].(map[string]any)
	loc, _ := ref["location"].(string)
	if loc == "" {
		t.Fatalf("no %s.location in %v", field, out)
	}
	return loc
}

func readSecretFile(t *testing.T, path string) string {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %o, want 600", path, st.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Secret string `json:"secret"`
	}
	if err := json.Unmarshal(b, &doc); err != nil || doc.Secret == "" {
		t.Fatalf("secret file %s: %v %s", path, err, b)
	}
	return doc.Secret
}

// invitationTokens asks the Cloud emulator directly (as the owner) for the
// tokens of every pending invitation.
func invitationTokens(t *testing.T, vars map[string]string) []string {
	t.Helper()
	get := func(path string, v any) {
		req, _ := http.NewRequest(http.MethodGet, vars["EC_BASE_URL"]+path, nil)
		req.Header.Set("Authorization", "ApiKey "+vars["EC_API_KEY"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	var orgs struct {
		Organizations []struct {
			ID string `json:"id"`
		} `json:"organizations"`
	}
	get("/api/v1/organizations", &orgs)
	if len(orgs.Organizations) == 0 {
		t.Fatal("no organization")
	}
	var inv struct {
		Invitations []struct {
			Token string `json:"token"`
		} `json:"invitations"`
	}
	get("/api/v1/organizations/"+orgs.Organizations[0].ID+"/invitations", &inv)
	var out []string
	for _, i := range inv.Invitations {
		if i.Token != "" {
			out = append(out, i.Token)
		}
	}
	if len(out) < 2 {
		t.Fatalf("expected the demo invitation and the new one, got %d tokens", len(out))
	}
	return out
}

var secretShapes = regexp.MustCompile(`essu_[A-Za-z0-9+/=_-]{16,}|-----BEGIN [A-Z ]*PRIVATE KEY-----`)

func assertNoSecrets(t *testing.T, where, text string, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if len(s) >= 8 && strings.Contains(text, s) {
			t.Errorf("%s contains a secret (%d chars, starting %q)", where, len(s), s[:3])
		}
	}
	if m := secretShapes.FindString(text); m != "" {
		t.Errorf("%s contains something shaped like a secret: %.12s…", where, m)
	}
}

func TestSecretsNeverReachTheModelOverStdio(t *testing.T) {
	bin := releaseBinary(t)
	vars := startSandboxProcess(t, bin)
	dir := t.TempDir()
	secretsDir, auditPath := filepath.Join(dir, "secrets"), filepath.Join(dir, "audit.log")

	stderr := &servertest.SyncBuffer{}
	c, err := client.NewStdioMCPClientWithOptions(bin, serverEnv(vars),
		[]string{"stdio", "--allow-writes", "--secrets-dir", secretsDir, "--audit-log", auditPath, "--log-level", "debug", "--env-file", ""},
		transport.WithCommandFunc(func(ctx context.Context, command string, env []string, args []string) (*exec.Cmd, error) {
			cmd := exec.CommandContext(ctx, command, args...)
			cmd.Env = env
			cmd.Stderr = stderr
			return cmd, nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	var ir mcp.InitializeRequest
	ir.Params.ClientInfo = mcp.Implementation{Name: "secrets-e2e", Version: "1"}
	if _, err := c.Initialize(ctx, ir); err != nil {
		t.Fatal(err)
	}

	var responses []string
	cloudKey, raw := callBinaryTool(t, c, "create_cloud_api_key", map[string]any{
		"description": "e2e-ci-key", "expiration": "7d",
		"roles": []any{map[string]any{"scope": "project", "role": "viewer", "project_type": "elasticsearch", "all": true}},
	})
	responses = append(responses, raw)
	esKey, raw := callBinaryTool(t, c, "create_es_api_key", map[string]any{
		"name": "e2e-metrics-reader", "expiration": "7d",
		"role_descriptors": map[string]any{"metrics-reader": map[string]any{"indices": []any{map[string]any{"names": []any{"metrics-*"}, "privileges": []any{"read"}}}}},
	})
	responses = append(responses, raw)
	user, raw := callBinaryTool(t, c, "create_user", map[string]any{"username": "e2e-analyst", "roles": []any{"viewer"}})
	responses = append(responses, raw)
	_, raw = callBinaryTool(t, c, "invite_org_members", map[string]any{
		"emails": []any{"erin@example.com"},
		"roles":  []any{map[string]any{"scope": "project", "role": "viewer", "project_type": "observability", "all": true}},
	})
	responses = append(responses, raw)
	for _, name := range []string{"list_org_invitations", "list_cloud_api_keys", "list_es_api_keys", "get_users", "whoami"} {
		_, raw = callBinaryTool(t, c, name, map[string]any{})
		responses = append(responses, raw)
	}

	created := []string{
		readSecretFile(t, location(t, cloudKey, "key_location")),
		readSecretFile(t, location(t, esKey, "api_key_location")),
		readSecretFile(t, location(t, user, "password_location")),
	}
	secrets := append(append([]string{}, created...), invitationTokens(t, vars)...)
	secrets = append(secrets, vars["EC_API_KEY"], vars["EC_MEMBER_API_KEY"], vars["ELASTICSEARCH_API_KEY"], vars["ELASTICSEARCH_PASSWORD"])

	_ = c.Close() // flush the server's output before reading it
	audit, err := os.ReadFile(auditPath)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(audit), `"audit"`) < len(responses) {
		t.Errorf("expected an audit line per call, got:\n%s", audit)
	}
	assertNoSecrets(t, "MCP responses", strings.Join(responses, "\n"), secrets)
	assertNoSecrets(t, "stderr", stderr.String(), secrets)
	assertNoSecrets(t, "audit log", string(audit), secrets)

	// Each created secret is in exactly one file, 0600, in a 0700 directory.
	st, err := os.Stat(secretsDir)
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("secrets dir %v mode %v", err, st)
	}
	entries, _ := os.ReadDir(secretsDir)
	for _, s := range created {
		n := 0
		for _, e := range entries {
			b, _ := os.ReadFile(filepath.Join(secretsDir, e.Name()))
			if strings.Contains(string(b), s) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("a created secret is in %d files, want exactly 1", n)
		}
	}
}

func TestSecretLinksOverHTTPWorkOnceAndExpire(t *testing.T) {
	bin := releaseBinary(t)
	vars := startSandboxProcess(t, bin)
	const token = "e2e-http-token-0123456789"
	start := func(ttl string) (string, *servertest.SyncBuffer) {
		stderr := &servertest.SyncBuffer{}
		cmd := exec.Command(bin, "http", "--listen", "127.0.0.1:0", "--allow-writes", "--secret-link-ttl", ttl, "--env-file", "")
		cmd.Env = append(serverEnv(vars), "MCP_HTTP_TOKEN="+token)
		pr, pw := io.Pipe()
		cmd.Stderr = io.MultiWriter(stderr, pw)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait(); _ = pw.Close() })
		addr := make(chan string, 1)
		go func() {
			sc := bufio.NewScanner(pr)
			for sc.Scan() {
				var line map[string]any
				if json.Unmarshal(sc.Bytes(), &line) == nil && line["msg"] == "serving MCP over HTTP" {
					addr <- line["mcp"].(string)
				}
			}
		}()
		select {
		case a := <-addr:
			return a, stderr
		case <-time.After(20 * time.Second):
			t.Fatalf("http server did not start: %s", stderr.String())
		}
		return "", nil
	}
	fetch := func(url string, withToken bool) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if withToken {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	createUser := func(mcpURL, username string) (map[string]any, string) {
		c, err := client.NewStreamableHttpClient(mcpURL, transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + token}))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var ir mcp.InitializeRequest
		ir.Params.ClientInfo = mcp.Implementation{Name: "secrets-e2e", Version: "1"}
		if err := c.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Initialize(context.Background(), ir); err != nil {
			t.Fatal(err)
		}
		return callBinaryTool(t, c, "create_user", map[string]any{"username": username, "roles": []any{"viewer"}})
	}

	mcpURL, stderr := start("10m")
	out, raw := createUser(mcpURL, "e2e-link-user")
	link := location(t, out, "password_location")
	if !strings.Contains(link, "/secrets/") {
		t.Fatalf("over HTTP the secret should be a link, got %q", link)
	}
	// Without the token (or the link's code) the link shows a page asking
	// for it, and is not used up.
	if status, body := fetch(link, false); status != http.StatusOK || !strings.Contains(body, "<form") {
		t.Fatalf("link without the bearer token: %d %s, want the page asking for it", status, body)
	}
	status, body := fetch(link, true)
	if status != http.StatusOK {
		t.Fatalf("first fetch: %d %s", status, body)
	}
	var doc struct {
		Secret string `json:"secret"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil || len(doc.Secret) < 20 {
		t.Fatalf("link did not return the password: %v %q", err, body)
	}
	if status, _ := fetch(link, true); status != http.StatusNotFound {
		t.Fatalf("second fetch: %d, want 404", status)
	}
	assertNoSecrets(t, "MCP response", raw, []string{doc.Secret})
	assertNoSecrets(t, "stderr", stderr.String(), []string{doc.Secret, vars["EC_API_KEY"], vars["ELASTICSEARCH_API_KEY"]})

	// The console names the person's link with its one-time code, which the
	// model never saw; that code opens the link in place of the token.
	out, raw = createUser(mcpURL, "e2e-code-user")
	link = location(t, out, "password_location")
	codeLine := regexp.MustCompile(regexp.QuoteMeta(link) + `#code=([A-Z2-7]+)`)
	m := codeLine.FindStringSubmatch(stderr.String())
	for deadline := time.Now().Add(10 * time.Second); m == nil && time.Now().Before(deadline); m = codeLine.FindStringSubmatch(stderr.String()) {
		time.Sleep(20 * time.Millisecond) // the server's stderr arrives through a pipe
	}
	if m == nil {
		t.Fatalf("the console does not name %s with its code:\n%s", link, stderr.String())
	}
	// Each new password is one secret behind one link: nothing else in the
	// result looked like a secret and was withheld on top.
	if strings.Contains(stderr.String(), "secrets withheld from") {
		t.Fatalf("part of a result was withheld as a secret:\n%s", stderr.String())
	}
	if strings.Contains(raw, m[1]) {
		t.Fatal("the link's code reached the MCP response")
	}
	resp, err := http.PostForm(link, url.Values{"code": {m[1]}})
	if err != nil {
		t.Fatal(err)
	}
	body2, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "no-store" || !strings.Contains(string(body2), `"secret"`) {
		t.Fatalf("opening with the console's code: %d %s", resp.StatusCode, body2)
	}

	// A link that is never opened stops working when it expires.
	shortURL, _ := start("1s")
	out, _ = createUser(shortURL, "e2e-expiring-user")
	link = location(t, out, "password_location")
	time.Sleep(1500 * time.Millisecond)
	if status, _ := fetch(link, true); status != http.StatusNotFound {
		t.Fatalf("expired link: %d, want 404", status)
	}
}
