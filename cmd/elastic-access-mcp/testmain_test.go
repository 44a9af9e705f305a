package main

import (
	"fmt"
	"os"
	"testing"
)

// TestMain gives the whole test run one temporary directory and removes it
// at the end: the binaries built once per run (release and secrets tests,
// 15 MB, built by internal/testbin under TMPDIR) and the default secrets directory of commands run without
// --secrets-dir would otherwise stay behind in the system's temp dir.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "eam-cmd-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// os.TempDir, t.TempDir and the default secrets directory all follow
	// TMPDIR; XDG_RUNTIME_DIR would take the secrets elsewhere.
	os.Setenv("TMPDIR", dir)
	os.Unsetenv("XDG_RUNTIME_DIR")
	code := m.Run()
	if err := os.RemoveAll(dir); err != nil {
		fmt.Fprintln(os.Stderr, "cleaning up the test directory:", err)
	}
	os.Exit(code)
}
