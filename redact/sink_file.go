package redact

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// FileSink writes each secret to a new file, readable by the owner only, in a directory only the owner can
// enter. It suits the stdio transport, where the person and the server share a machine.
type FileSink struct {
	dir string

	mu      sync.Mutex
	notices []string
}

// DefaultSecretsDir is where secret files go when no directory is configured: under $XDG_RUNTIME_DIR (a
// per-user tmpfs, emptied at logout) when it names a directory, else a per-user folder in the temporary
// directory.
func DefaultSecretsDir() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" && filepath.IsAbs(d) {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return filepath.Join(d, "elastic-access-mcp", "secrets")
		}
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("elastic-access-mcp-%d", os.Getuid()), "secrets")
}

// NewFileSink prepares dir ("" means DefaultSecretsDir) with mode 0700. An existing directory that others can
// enter is tightened to 0700 if this user owns it (Notice says so), and refused if another user owns it or if it
// is a symbolic link.
func NewFileSink(dir string) (*FileSink, error) {
	var chain []string // directories this sink must own, outermost first
	if dir == "" {
		dir = DefaultSecretsDir()
		// The product folder above "secrets" sits in a shared place (the temporary directory), where another user
		// could have made it first; it must be ours too.
		chain = append(chain, filepath.Dir(dir))
	} else {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, fmt.Errorf("secrets directory %q: %w", dir, err)
		}
		dir = abs
		if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
			return nil, fmt.Errorf("create parent of secrets directory: %w", err)
		}
	}
	chain = append(chain, dir)
	s := &FileSink{dir: dir}
	for _, d := range chain {
		if err := s.secure(d); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Dir returns the absolute directory the sink writes to.
func (s *FileSink) Dir() string { return s.dir }

// Notice reports what the sink changed to make its directory private (empty when nothing), for the operator's
// log.
func (s *FileSink) Notice() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.notices, "; ")
}

// secure makes sure d exists, is a real directory owned by this user and has mode 0700.
func (s *FileSink) secure(d string) error {
	if err := os.Mkdir(d, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create secrets directory %s: %w", d, err)
	}
	fi, err := os.Lstat(d)
	if err != nil {
		return fmt.Errorf("secrets directory %s: %w", d, err)
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("secrets directory %s is a symbolic link; refusing to write secrets through it", d)
	}
	if !fi.IsDir() {
		return fmt.Errorf("secrets directory %s is not a directory", d)
	}
	// Checked and changed through a descriptor opened without following links, so that the directory cannot be
	// swapped for a link between the check and the chmod.
	f, err := openDirNoFollow(d)
	if err != nil {
		return fmt.Errorf("open secrets directory %s: %w", d, err)
	}
	defer f.Close()
	fi, err = f.Stat()
	if err != nil {
		return fmt.Errorf("secrets directory %s: %w", d, err)
	}
	if owner, me, ok := ownerOf(fi); ok && owner != me {
		return fmt.Errorf("secrets directory %s belongs to uid %d, not to this user (uid %d); refusing to use it", d, owner, me)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		if err := f.Chmod(0o700); err != nil {
			return fmt.Errorf("secrets directory %s has mode %04o and could not be set to 0700: %w", d, perm, err)
		}
		s.mu.Lock()
		s.notices = append(s.notices, fmt.Sprintf("secrets directory %s had mode %04o; changed it to 0700", d, perm))
		s.mu.Unlock()
	}
	return nil
}

// Put writes the secret and its context as JSON to a new file with mode 0600 and returns the file's path.
func (s *FileSink) Put(ctx context.Context, sec Secret) (Ref, error) {
	if err := ctx.Err(); err != nil {
		return Ref{}, err
	}
	// Checked again on every write: the directory may have been removed or opened up since start-up.
	if err := s.secure(s.dir); err != nil {
		return Ref{}, err
	}
	var rnd [16]byte
	rand.Read(rnd[:])
	path := filepath.Join(s.dir, fileStem(sec.Label)+"-"+hex.EncodeToString(rnd[:])+".json")
	label := labelOr(sec.Label, "secret")
	doc := renderDocument(sec, time.Now(), "Store the secret in your password manager or vault, then delete this file.")

	// O_EXCL: a new file every time, never an existing one and never through a planted link.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return Ref{}, fmt.Errorf("create secret file in %s: %w", s.dir, err)
	}
	if _, err = f.Write(doc); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return Ref{}, fmt.Errorf("write secret file %s: %w", path, err)
	}
	return Ref{
		Kind:     "file",
		Location: path,
		Instructions: fmt.Sprintf("Open %s to see the %s, store it in your password manager or vault, then delete "+
			"the file; it is shown nowhere else.", path, label),
	}, nil
}

// fileStem turns a label into a short, safe file name prefix so that a person can tell files apart.
func fileStem(label string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(label) {
		switch {
		case 'a' <= c && c <= 'z' || '0' <= c && c <= '9':
			b.WriteRune(c)
			dash = false
		case b.Len() > 0 && !dash:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 32 {
			break
		}
	}
	stem := strings.TrimRight(b.String(), "-")
	if stem == "" {
		return "secret"
	}
	return stem
}
