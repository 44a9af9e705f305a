//go:build !unix

package redact

import (
	"io/fs"
	"os"
)

// Without O_NOFOLLOW the Lstat check in secure is the only guard against a planted link.
func openDirNoFollow(d string) (*os.File, error) { return os.Open(d) }

// Platforms without uids rely on their own ACLs for the secrets directory.
func ownerOf(fs.FileInfo) (owner, me int, ok bool) { return 0, 0, false }

func openFileNoFollow(name string, flag int, perm os.FileMode) (*os.File, error) {
	return os.OpenFile(name, flag, perm)
}

func linkCount(fs.FileInfo) uint64 { return 1 }
