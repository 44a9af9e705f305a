package redact

import (
	"encoding/base64"
	"strings"
	"testing"
)

// An instruction that names where a credential goes is not a credential.
func TestPlaceholdersInInstructionsAreNotCredentials(t *testing.T) {
	r := New(Options{})
	for _, s := range []string{
		"Elasticsearch API key logs-shipper (use as Authorization: ApiKey <value>)",
		`send "Authorization: Bearer $TOKEN" with every request`,
		"Authorization: ApiKey {{encoded}}",
		"Authorization: Basic …",
	} {
		if out, found := r.Text(s); out != s || len(found) != 0 {
			t.Errorf("Text(%q) = %q; an instruction was taken for a credential", s, out)
		}
	}
	// A real credential in the same place is still withheld.
	rng := newRand(7)
	_, _, encoded := fakeESKey(rng)
	if out, _ := r.Text("Authorization: ApiKey " + encoded); strings.Contains(out, encoded) {
		t.Errorf("a real key was kept: %s", out)
	}
}

func TestRememberCredentialCoversEveryEncoding(t *testing.T) {
	rng := newRand(11)
	r := New(Options{})
	cloud := fakeCloudKey(rng)
	id, key, encoded := fakeESKey(rng)
	password := randString(rng, 16, alnum)
	r.RememberCredential("", cloud)
	r.RememberCredential("", encoded)
	r.RememberCredential("elastic", password)
	basic := base64.StdEncoding.EncodeToString([]byte("elastic:" + password))
	for _, leak := range []string{strings.TrimPrefix(cloud, "essu_"), id + ":" + key, key, password, basic} {
		// Written as plain prose, so only the remembered values can catch it.
		out, _ := r.Text("the service said: value " + leak + " is wrong")
		if strings.Contains(out, leak) {
			t.Errorf("%q was not scrubbed: %s", leak, out)
		}
	}
	if out, _ := r.Text("key id " + id); !strings.Contains(out, id) {
		t.Errorf("the key id is not secret and must stay readable: %s", out)
	}
}
