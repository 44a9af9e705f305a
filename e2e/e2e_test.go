// Package e2e runs the end-to-end suite: the built binary driven over stdio
// and streamable HTTP by the official MCP TypeScript SDK client (the *.test.js
// files next to this one). It is part of `go test ./...` so that the single
// test command covers it.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/internal/testbin"
)

// minNodeMajor is the oldest Node.js the suite runs on; package.json's
// engines field and the README say the same (TestNodeVersionAgrees).
const minNodeMajor = 20

// e2eVersion is stamped into the binary under test with -X main.buildVersion;
// the suite checks that serverInfo.version reports it.
const e2eVersion = testbin.Version

// TestMain removes the binary testbin built once the tests are done.
func TestMain(m *testing.M) { testbin.Main(m) }

func TestNodeSDKEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the end-to-end suite builds the binary and runs Node.js")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not installed: the end-to-end suite drives the binary with the MCP TypeScript SDK. Install Node.js %d or later and npm, then run `npm ci --prefix e2e` (or run go test -short to leave it out)", minNodeMajor)
	}
	if major, err := nodeMajor(node); err != nil || major < minNodeMajor {
		t.Fatalf("Node.js %d or later is needed (the MCP SDK's HTTP server package requires it); found major version %d (%v)", minNodeMajor, major, err)
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if !depsInstalled(dir) {
		npm, err := exec.LookPath("npm")
		if err != nil {
			t.Fatal("e2e/node_modules is missing or older than package-lock.json, and npm is not installed to install it: run `npm ci --prefix e2e`")
		}
		t.Log("installing the end-to-end dependencies with npm ci")
		runLogged(t, 5*time.Minute, dir, nil, npm, "ci", "--no-audit", "--no-fund")
	}

	// The binary is built as a release is (scripts/build.sh, Dockerfile):
	// static, trimmed, stripped, with the version stamped in. The race
	// detector covers the same code in the in-process tests; here the point
	// is the artifact people run.
	bin := testbin.Path(t)

	env := append(os.Environ(),
		// What the suite creates (secrets, audit logs) goes where the test
		// run cleans up, even when a test fails half-way.
		"TMPDIR="+t.TempDir(),
		"EAM_BINARY="+bin,
		"EAM_EXPECT_VERSION="+e2eVersion,
	)
	out := runLogged(t, 3*time.Minute, dir, env, node,
		// The timeout is this command's.
		"--test", "--test-reporter=spec",
		"stdio.test.js", "http.test.js", "surface.test.js")
	if !bytes.Contains(out, []byte("fail 0")) {
		t.Fatalf("the Node.js suite did not report `fail 0`:\n%s", out)
	}
}

// nodeMajor runs node --version and returns the major version.
func nodeMajor(node string) (int, error) {
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return 0, err
	}
	v := strings.TrimPrefix(strings.TrimSpace(string(out)), "v")
	major, _, _ := strings.Cut(v, ".")
	return strconv.Atoi(major)
}

// The prerequisites agree everywhere they appear: the version this suite
// checks, package.json's engines, the README, and what .ci/run installs.
func TestNodeVersionAgrees(t *testing.T) {
	raw, err := os.ReadFile("package.json")
	if err != nil {
		t.Fatal(err)
	}
	var pkg struct {
		Engines struct {
			Node string `json:"node"`
		} `json:"engines"`
	}
	if err := json.Unmarshal(raw, &pkg); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf(">=%d", minNodeMajor); pkg.Engines.Node != want {
		t.Errorf("package.json engines.node = %q, want %q", pkg.Engines.Node, want)
	}
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{fmt.Sprintf("Node.js %d", minNodeMajor), "C compiler"} {
		if !bytes.Contains(readme, []byte(want)) {
			t.Errorf("the README does not state the prerequisite %q", want)
		}
	}
	ci, err := os.ReadFile(filepath.Join("..", ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{fmt.Sprintf("MIN_NODE_MAJOR=%d", minNodeMajor), `"gcc gcc"`, `"node nodejs"`, `"npm npm"`, `"redis-server redis-server"`} {
		if !bytes.Contains(ci, []byte(want)) {
			t.Errorf(".ci/run does not install or check %s", want)
		}
	}
}

// depsInstalled reports whether node_modules holds what package-lock.json
// pins (npm writes node_modules/.package-lock.json on install).
func depsInstalled(dir string) bool {
	installed, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json"))
	if err != nil {
		return false
	}
	lock, err := os.Stat(filepath.Join(dir, "package-lock.json"))
	return err == nil && !installed.ModTime().Before(lock.ModTime())
}

// runLogged runs a command and fails the test, with its output, if it
// fails or outlives timeout.
func runLogged(t *testing.T, timeout time.Duration, dir string, env []string, name string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	if testing.Verbose() {
		t.Logf("%s %v:\n%s", filepath.Base(name), args, out)
	}
	return out
}
