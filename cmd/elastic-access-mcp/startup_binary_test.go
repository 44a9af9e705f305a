package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The runtime is tuned for the command (package early) before the heavy
// dependencies initialise, or the tuning misses most of a short process.
// Go runs package initialisers in import-path order among the ready ones;
// GODEBUG=inittrace=1 prints them as they run.
func TestRuntimeTunedBeforeDependenciesInitialise(t *testing.T) {
	cmd := exec.Command(releaseBinary(t), "version")
	cmd.Env = []string{"GODEBUG=inittrace=1"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("version: %v\n%s", err, out)
	}
	order := map[string]int{}
	for i, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "init" {
			order[f[1]] = i + 1
		}
	}
	early := order["github.com/elastic-access-mcp/elastic-access-mcp/cmd/elastic-access-mcp/internal/early"]
	if early == 0 {
		t.Fatalf("package early did not initialise:\n%s", out)
	}
	for _, heavy := range []string{"github.com/santhosh-tekuri/jsonschema/v6", "github.com/go-playground/validator/v10",
		"github.com/prometheus/client_golang/prometheus"} {
		if n := order[heavy]; n == 0 || n < early {
			t.Errorf("%s initialised (line %d) before package early (line %d)", heavy, n, early)
		}
	}
}
