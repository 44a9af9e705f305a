//go:build unix

package redact

import (
	"io/fs"
	"os"
	"syscall"
)

func openDirNoFollow(d string) (*os.File, error) {
	return os.OpenFile(d, os.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW, 0)
}

// ownerOf returns the directory's owner and this process's user; ok is false where the platform has no uids.
func ownerOf(fi fs.FileInfo) (owner, me int, ok bool) {
	st, isUnix := fi.Sys().(*syscall.Stat_t)
	if !isUnix {
		return 0, 0, false
	}
	return int(st.Uid), os.Getuid(), true
}
