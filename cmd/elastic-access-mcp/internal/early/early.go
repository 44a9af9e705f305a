// Package early adjusts the Go runtime to the command being run before the
// rest of the program initialises. It has to run first: initialising the
// dependencies (JSON Schema metaschemas, validators, metrics) is about half
// of a short process's CPU. Its import path sorts before theirs and it
// imports only packages they need too, so Go's initialisation order (the
// first ready package by import path) runs it before them; a test of the
// built binary checks that.
package early

import (
	"os"
	"runtime"
	"runtime/debug"
	"strings"
)

var (
	gcPaused  bool
	gcPercent int
)

func init() {
	if strings.HasSuffix(os.Args[0], ".test") {
		return // a test binary (go test names them so), whatever its arguments
	}
	switch command(os.Args[1:]) {
	case "call":
		// One call, one upstream request at a time: a second processor
		// only adds threads that wake up, find nothing to run and sleep
		// (about a tenth of a call's CPU, most of it while initialising).
		runtime.GOMAXPROCS(1)
	case "stdio", "http":
		// A server collects nothing while it starts: nearly everything
		// allocated before it answers is start-up garbage, which one
		// collection after StartupDone reclaims instead of two or three
		// during start-up.
		gcPercent, gcPaused = debug.SetGCPercent(-1), true
	}
}

// StartupDone resumes garbage collection paused for a server's start-up.
func StartupDone() {
	if gcPaused {
		gcPaused = false
		debug.SetGCPercent(gcPercent)
	}
}

// command is the subcommand main will run, as main.run reads it; "" for a
// test binary run by go test, whose first argument is one of its -test. flags.
func command(args []string) string {
	switch {
	case len(args) == 0:
		return "stdio"
	case !strings.HasPrefix(args[0], "-"):
		return args[0]
	case strings.HasPrefix(args[0], "-test."):
		return ""
	}
	return "stdio"
}
