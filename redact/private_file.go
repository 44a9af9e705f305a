package redact

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// OpenPrivateAppend opens a file for appending the way the secrets directory
// is opened: it refuses a symbolic link (someone could point it at a file
// they read) and a file owned by another user or with other hard links, and
// it leaves the file readable by its owner only (0600), tightening the mode
// of an existing file. notice says when the mode was tightened.
func OpenPrivateAppend(path string) (f *os.File, notice string, err error) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return nil, "", fmt.Errorf("%s is a symbolic link; refusing to follow it (give the real path)", path)
	}
	f, err = openFileNoFollow(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, "", err
	}
	fail := func(e error) (*os.File, string, error) { _ = f.Close(); return nil, "", e }
	fi, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	if !fi.Mode().IsRegular() {
		return fail(fmt.Errorf("%s is not a regular file", path))
	}
	if owner, me, ok := ownerOf(fi); ok && owner != me {
		return fail(fmt.Errorf("%s belongs to uid %d, not to this user (uid %d); refusing to use it", path, owner, me))
	}
	if linkCount(fi) > 1 {
		return fail(errors.New(path + " has other hard links; refusing to use it"))
	}
	if fi.Mode().Perm() != 0o600 {
		if err := f.Chmod(0o600); err != nil {
			return fail(fmt.Errorf("make %s private: %w", path, err))
		}
		notice = fmt.Sprintf("%s had mode %04o; it is now 0600 (owner only)", path, fi.Mode().Perm())
	}
	return f, notice, nil
}
