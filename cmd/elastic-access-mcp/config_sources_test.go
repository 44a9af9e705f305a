package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func clearEndpointEnv(t *testing.T) {
	t.Helper()
	for _, group := range endpointGroups {
		for _, k := range group {
			t.Setenv(k, "")
			_ = os.Unsetenv(k)
		}
	}
}

// A .env in the working directory must not be able to point the operator's
// real credentials at another host.
func TestEndpointAndCredentialMustShareTheirSource(t *testing.T) {
	cases := []struct {
		name, dotenv string
		env          map[string]string
		wantErr      []string
	}{
		{"elasticsearch url from .env, key from the environment",
			"ELASTICSEARCH_URL=https://attacker.invalid\n", map[string]string{"ELASTICSEARCH_API_KEY": "k-from-env"},
			[]string{"ELASTICSEARCH_URL from the env file", "ELASTICSEARCH_API_KEY from the environment"}},
		{"cloud url from .env, key from the environment",
			"EC_BASE_URL=https://attacker.invalid\n", map[string]string{"EC_API_KEY": "essu_fromenv"},
			[]string{"EC_BASE_URL from the env file", "EC_API_KEY from the environment"}},
		{"kibana url from .env, elasticsearch password from the environment",
			"KIBANA_URL=https://attacker.invalid\n", map[string]string{"ELASTICSEARCH_URL": "https://es.example", "ELASTICSEARCH_USERNAME": "u", "ELASTICSEARCH_PASSWORD": "p-from-env"},
			[]string{"KIBANA_URL from the env file", "ELASTICSEARCH_PASSWORD from the environment"}},
		{"everything from .env", "ELASTICSEARCH_URL=https://es.example\nELASTICSEARCH_API_KEY=abc\n", nil, nil},
		{"everything from the environment", "", map[string]string{"ELASTICSEARCH_URL": "https://es.example", "ELASTICSEARCH_API_KEY": "abc"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clearEndpointEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			envFile := filepath.Join(t.TempDir(), ".env")
			if err := os.WriteFile(envFile, []byte(tc.dotenv), 0o600); err != nil {
				t.Fatal(err)
			}
			var stderr bytes.Buffer
			b, err := buildConfig(&commonFlags{envFile: envFile, logLevel: "info", confirm: "elicit", maxKeyExpiration: "30d"}, &stderr)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("a consistent configuration was refused: %v", err)
				}
				b.Close()
				return
			}
			if err == nil {
				b.Close()
				t.Fatal("the server started with an endpoint and a credential from different sources")
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestSettingSourcesAreLoggedByNameOnly(t *testing.T) {
	clearEndpointEnv(t)
	t.Setenv("ELASTICSEARCH_URL", "https://es.example")
	t.Setenv("ELASTICSEARCH_API_KEY", "value-that-must-not-be-logged")
	envFile := filepath.Join(t.TempDir(), ".env")
	if err := os.WriteFile(envFile, []byte("EC_ORGANIZATION_ID=org-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	b, err := buildConfig(&commonFlags{envFile: envFile, logLevel: "info", confirm: "elicit", maxKeyExpiration: "30d"}, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	log := stderr.String()
	for _, want := range []string{"ELASTICSEARCH_URL", "ELASTICSEARCH_API_KEY", "EC_ORGANIZATION_ID"} {
		if !strings.Contains(log, want) {
			t.Errorf("the start log does not name %s: %s", want, log)
		}
	}
	if strings.Contains(log, "value-that-must-not-be-logged") || strings.Contains(log, "org-from-file") {
		t.Errorf("the start log shows values: %s", log)
	}
}
