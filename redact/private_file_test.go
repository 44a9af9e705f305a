//go:build unix

package redact

import (
	"os"
	"path/filepath"
	"testing"
)

func TestOpenPrivateAppendRefusesLinksAndTightensTheMode(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "somebody-elses.log")
	if err := os.WriteFile(target, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "audit.log")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if f, _, err := OpenPrivateAppend(link); err == nil {
		f.Close()
		t.Fatal("a symbolic link was followed")
	}
	hard := filepath.Join(dir, "hard.log")
	if err := os.Link(target, hard); err != nil {
		t.Fatal(err)
	}
	if f, _, err := OpenPrivateAppend(hard); err == nil {
		f.Close()
		t.Fatal("a file with another hard link was used")
	}

	existing := filepath.Join(dir, "existing.log")
	if err := os.WriteFile(existing, []byte("old line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, notice, err := OpenPrivateAppend(existing)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	fi, _ := os.Stat(existing)
	if fi.Mode().Perm() != 0o600 || notice == "" {
		t.Errorf("mode %04o, notice %q: a pre-existing file must become 0600 and say so", fi.Mode().Perm(), notice)
	}
	fresh := filepath.Join(dir, "new.log")
	f, _, err = OpenPrivateAppend(fresh)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if fi, _ := os.Stat(fresh); fi.Mode().Perm() != 0o600 {
		t.Errorf("new file mode %04o", fi.Mode().Perm())
	}
}
