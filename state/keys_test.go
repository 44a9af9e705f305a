package state

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParseKeyAcceptsOnly64HexCharacters(t *testing.T) {
	if k, err := ParseKey(" " + keyA + "\n"); err != nil || len(k) != 32 {
		t.Fatalf("valid key: %v", err)
	}
	for name, in := range map[string]string{
		"short":     keyA[:62],
		"long":      keyA + "00",
		"not hex":   "zz" + keyA[2:],
		"all zeros": strings.Repeat("0", 64),
		"base64":    "ABEiM0RVZneImaq7zN3u/wARIjNEVWZ3iJmqu8zd7v8=",
	} {
		_, err := ParseKey(in)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if len(in) > 8 && strings.Contains(err.Error(), in[2:10]) {
			t.Errorf("%s: the error repeats the key: %v", name, err)
		}
		if !strings.Contains(err.Error(), "openssl rand -hex 32") {
			t.Errorf("%s: the error does not say how to make a key: %v", name, err)
		}
	}
}

func TestLoadKeyring(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	oneKey := write("one", keyA+"\n")
	twoKeys := write("two", keyB+"\n"+keyA+"\n")

	if k, err := LoadKeyring(env(nil)); k != nil || err != nil {
		t.Fatalf("nothing configured: %v %v; want nil, nil", k, err)
	}
	good := map[string]map[string]string{
		"inline":               {EnvKey: keyA},
		"file":                 {EnvKeyFile: oneKey},
		"inline and previous":  {EnvKey: keyB, EnvKeyPrevious: keyA},
		"file with a previous": {EnvKeyFile: twoKeys},
	}
	for name, e := range good {
		k, err := LoadKeyring(env(e))
		if err != nil || k == nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		wantPrev := strings.Contains(name, "previous")
		if got := len(k.Subkeys("x")); got != map[bool]int{false: 1, true: 2}[wantPrev] {
			t.Errorf("%s: %d keys in the ring", name, got)
		}
	}
	bad := map[string]map[string]string{
		"both inline and file":     {EnvKey: keyA, EnvKeyFile: oneKey},
		"previous alone":           {EnvKeyPrevious: keyA},
		"missing file":             {EnvKeyFile: filepath.Join(dir, "absent")},
		"empty file":               {EnvKeyFile: write("empty", "\n")},
		"three lines":              {EnvKeyFile: write("three", keyA+"\n"+keyB+"\n"+keyA+"\n")},
		"previous in file and env": {EnvKeyFile: twoKeys, EnvKeyPrevious: keyA},
		"bad previous":             {EnvKey: keyA, EnvKeyPrevious: "nope"},
		"bad current in file":      {EnvKeyFile: write("bad", "secret-but-not-hex\n")},
	}
	for name, e := range bad {
		if k, err := LoadKeyring(env(e)); err == nil {
			t.Errorf("%s: accepted (%v)", name, k)
		}
	}
}

func TestSubkeysAreStableAndSeparatePerPurpose(t *testing.T) {
	a, _ := ParseKey(keyA)
	b, _ := ParseKey(keyB)
	r1, _ := NewKeyring(a, nil)
	r2, _ := NewKeyring(a, nil)
	if !bytes.Equal(r1.Subkeys("approvals")[0], r2.Subkeys("approvals")[0]) {
		t.Fatal("two replicas with the same key derive different approval keys")
	}
	if bytes.Equal(r1.Subkeys("approvals")[0], r1.Subkeys("links")[0]) {
		t.Fatal("approvals and links share key material")
	}
	if bytes.Equal(r1.Subkeys("approvals")[0], a) {
		t.Fatal("the state key is used directly instead of a derived key")
	}
	rot, _ := NewKeyring(b, a)
	subs := rot.Subkeys("approvals")
	if len(subs) != 2 || !bytes.Equal(subs[1], r1.Subkeys("approvals")[0]) {
		t.Fatal("the previous key's subkey is not offered second during a rotation")
	}
	same, _ := NewKeyring(a, a)
	if len(same.Subkeys("x")) != 1 {
		t.Fatal("a previous key equal to the current one counts twice")
	}
}

func TestKeyringNeverPrintsItsKeys(t *testing.T) {
	a, _ := ParseKey(keyA)
	b, _ := ParseKey(keyB)
	k, _ := NewKeyring(a, b)
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(format, k)
		if strings.Contains(out, fmt.Sprint(a[0:4])) || strings.Contains(out, "0x") ||
			strings.Contains(strings.ToLower(out), keyA[:16]) || strings.Contains(out, "[") {
			t.Errorf("%s prints key material: %s", format, out)
		}
	}
}
