package redact

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFileSinkWritesPrivateFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "secrets")
	s, err := NewFileSink(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.Notice() != "" {
		t.Fatalf("unexpected notice for a new directory: %s", s.Notice())
	}
	assertMode(t, dir, 0o700)

	seen := map[string]bool{}
	for i := range 5 {
		before := countFiles(t, dir)
		ref, err := s.Put(context.Background(), Secret{
			Label: "API key value", Value: "v-" + string(rune('a'+i)), Fields: map[string]string{"id": "k1"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := countFiles(t, dir); got != before+1 {
			t.Fatalf("Put made %d files, want exactly one", got-before)
		}
		if ref.Kind != "file" || !filepath.IsAbs(ref.Location) || filepath.Dir(ref.Location) != dir {
			t.Fatalf("ref = %+v", ref)
		}
		if seen[ref.Location] {
			t.Fatalf("file name reused: %s", ref.Location)
		}
		seen[ref.Location] = true
		if !strings.Contains(ref.Instructions, ref.Location) || !strings.Contains(ref.Instructions, "delete") ||
			!strings.Contains(ref.Instructions, "vault") {
			t.Fatalf("instructions: %s", ref.Instructions)
		}
		if strings.Contains(ref.Instructions, "v-") {
			t.Fatal("instructions contain the secret")
		}
		assertMode(t, ref.Location, 0o600)
		var doc document
		b, _ := os.ReadFile(ref.Location)
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Secret != "v-"+string(rune('a'+i)) || doc.Label != "API key value" || doc.Fields["id"] != "k1" {
			t.Fatalf("file content: %s", b)
		}
	}
}

func TestFileSinkTightensLooseDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "secrets")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755) // whatever the umask did
	s, err := NewFileSink(dir)
	if err != nil {
		t.Fatal(err)
	}
	assertMode(t, dir, 0o700)
	if n := s.Notice(); !strings.Contains(n, "0755") || !strings.Contains(n, "0700") {
		t.Fatalf("notice = %q", n)
	}
	// Opened up again after start-up: the next Put closes it again before writing.
	os.Chmod(dir, 0o777)
	if _, err := s.Put(context.Background(), Secret{Value: "x"}); err != nil {
		t.Fatal(err)
	}
	assertMode(t, dir, 0o700)
}

func TestFileSinkRefusesSymlink(t *testing.T) {
	base := t.TempDir()
	real := filepath.Join(base, "real")
	if err := os.Mkdir(real, 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(base, "link")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if _, err := NewFileSink(link); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("err = %v", err)
	}
}

func TestFileSinkRefusesNonDirectory(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o600)
	if _, err := NewFileSink(f); err == nil {
		t.Fatal("accepted a file as directory")
	}
}

func TestFileSinkRefusesOthersDirectory(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to make a directory owned by another user")
	}
	dir := filepath.Join(t.TempDir(), "secrets")
	os.Mkdir(dir, 0o777)
	os.Chmod(dir, 0o777)
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Skip(err)
	}
	_, err := NewFileSink(dir)
	if err == nil || !strings.Contains(err.Error(), "belongs to uid 65534") {
		t.Fatalf("err = %v", err)
	}
	assertMode(t, dir, 0o777) // refused, not changed
}

func TestFileSinkDefaultDir(t *testing.T) {
	runtime := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", runtime)
	if got, want := DefaultSecretsDir(), filepath.Join(runtime, "elastic-access-mcp", "secrets"); got != want {
		t.Fatalf("DefaultSecretsDir = %s, want %s", got, want)
	}
	s, err := NewFileSink("")
	if err != nil {
		t.Fatal(err)
	}
	if s.Dir() != DefaultSecretsDir() {
		t.Fatalf("Dir = %s", s.Dir())
	}
	assertMode(t, filepath.Dir(s.Dir()), 0o700)
	assertMode(t, s.Dir(), 0o700)

	for _, xdg := range []string{"", "relative/dir", filepath.Join(runtime, "missing")} {
		t.Setenv("XDG_RUNTIME_DIR", xdg)
		want := filepath.Join(os.TempDir(), fmt.Sprintf("elastic-access-mcp-%d", os.Getuid()), "secrets")
		if got := DefaultSecretsDir(); got != want {
			t.Fatalf("XDG_RUNTIME_DIR=%q: DefaultSecretsDir = %s, want %s", xdg, got, want)
		}
	}
}

func TestFileSinkHonoursContext(t *testing.T) {
	s, err := NewFileSink(t.TempDir() + "/s")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Put(ctx, Secret{Value: "x"}); err == nil {
		t.Fatal("Put ignored a cancelled context")
	}
	if countFiles(t, s.Dir()) != 0 {
		t.Fatal("file written despite cancelled context")
	}
}

func TestFileStem(t *testing.T) {
	for in, want := range map[string]string{
		"API key value":          "api-key-value",
		"":                       "secret",
		"../../etc/passwd":       "etc-passwd",
		"password for user Ölaf": "password-for-user-laf",
	} {
		if got := fileStem(in); got != want {
			t.Errorf("fileStem(%q) = %q, want %q", in, got, want)
		}
	}
	if got := fileStem(strings.Repeat("abc ", 40)); len(got) > 33 {
		t.Errorf("stem too long: %q", got)
	}
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Fatalf("%s has mode %04o, want %04o", path, got, want)
	}
}

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}
