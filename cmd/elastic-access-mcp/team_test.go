package main

import (
	"strings"
	"testing"
)

// The http command refuses a team configuration that could not keep single-use things single-use, before it
// listens, and says what to set.
func TestHTTPRefusesUnsafeTeamSettings(t *testing.T) {
	const key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	for name, tc := range map[string]struct {
		env  map[string]string
		args []string
		want string
	}{
		"shared store without a key":               {args: []string{"--state-store", "redis://127.0.0.1:1/0"}, want: "MCP_STATE_KEY"},
		"store from the environment without a key": {env: map[string]string{"MCP_STATE_STORE": "redis://127.0.0.1:1/0"}, want: "MCP_STATE_KEY"},
		"a key that is not 64 hex characters":      {env: map[string]string{"MCP_STATE_KEY": "short"}, args: []string{"--state-store", "redis://127.0.0.1:1/0"}, want: "64 hexadecimal characters"},
		"store that does not answer":               {env: map[string]string{"MCP_STATE_KEY": key}, args: []string{"--state-store", "redis://127.0.0.1:1/0"}, want: "does not answer"},
		"unknown store":                            {args: []string{"--state-store", "etcd://somewhere"}, want: "unknown state store"},
		"unknown credentials mode":                 {args: []string{"--credentials", "mine"}, want: "operator or passthrough"},
		"passthrough holding a key": {env: map[string]string{"ELASTICSEARCH_URL": "https://es.example.com", "ELASTICSEARCH_API_KEY": "abc"},
			args: []string{"--credentials", "passthrough"}, want: "holds no Elastic credentials"},
	} {
		t.Run(name, func(t *testing.T) {
			clearCredentials(t)
			for _, k := range []string{"MCP_STATE_STORE", "MCP_STATE_KEY", "MCP_STATE_KEY_FILE", "MCP_STATE_KEY_PREVIOUS"} {
				t.Setenv(k, "")
			}
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			args := append([]string{"http", "--env-file", "", "--listen", "127.0.0.1:0"}, tc.args...)
			code, _, errs := runCmd(t, args...)
			if code != exitUsage || !strings.Contains(errs, tc.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d naming %q", code, errs, exitUsage, tc.want)
			}
			if strings.Contains(errs, key) {
				t.Fatal("the state key was printed")
			}
		})
	}
}
