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

func openFileNoFollow(name string, flag int, perm os.FileMode) (*os.File, error) {
	return os.OpenFile(name, flag|syscall.O_NOFOLLOW, perm)
}

// linkCount is the number of hard links to the file; 1 where unknown.
func linkCount(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 1
}
