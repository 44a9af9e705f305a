package main

import (
	"io"
	"os"
)

// isTerminal reports whether r is an interactive terminal, as opposed to a
// pipe, a file or /dev/null (cron, CI, `</dev/null` scripts).
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	return isTerminalFd(f)
}
