//go:build !linux

package main

import "os"

// isTerminalFd approximates a terminal as a character device other than
// the null device, without platform-specific calls.
func isTerminalFd(f *os.File) bool {
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	if null, err := os.Stat(os.DevNull); err == nil && os.SameFile(st, null) {
		return false
	}
	return true
}
