// Package testbin builds the server binary for tests that run it as a
// subprocess (the cmd and e2e packages). It builds with scripts/build.sh,
// the command the Dockerfile runs, so those tests exercise the artifact
// people install; and it builds once per test process, because every build
// configuration costs a full compile of the module on a small CI machine.
package testbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// Version is stamped into the binary under test (main.buildVersion); tests
// check it comes back from `version` and from initialize.
const Version = "v0.0.0-test"

var (
	once sync.Once
	dir  string
	path string
	err  error
)

// Path returns the built binary, building it on first use. A failed build
// fails the test with the compiler's output.
func Path(t testing.TB) string {
	t.Helper()
	once.Do(build)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func build() {
	dir, err = os.MkdirTemp("", "eam-testbin")
	if err != nil {
		return
	}
	path = filepath.Join(dir, "elastic-access-mcp")
	cmd := exec.Command("bash", filepath.Join(RepoRoot(), "scripts", "build.sh"))
	cmd.Env = append(os.Environ(), "VERSION="+Version, "OUT="+path)
	if out, buildErr := cmd.CombinedOutput(); buildErr != nil {
		err = fmt.Errorf("scripts/build.sh: %v\n%s", buildErr, out)
	}
}

// Main runs the tests of a package and removes the binary afterwards; call
// it from the package's TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if dir != "" {
		_ = os.RemoveAll(dir)
	}
	os.Exit(code)
}

// RepoRoot is the module's root: the nearest directory above the test's
// working directory (its package directory) that holds go.mod.
func RepoRoot() string {
	wd, _ := os.Getwd()
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return wd
		}
	}
}
