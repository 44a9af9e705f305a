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
	"strconv"
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

// StartupDone resumes garbage collection paused for a server's start-up, as
// servingGC says.
func StartupDone() {
	if gcPaused {
		gcPaused = false
		percent, limit := servingGC(os.Getenv, os.ReadFile, gcPercent)
		debug.SetGCPercent(percent)
		if limit > 0 {
			debug.SetMemoryLimit(limit)
		}
	}
}

// A serving process keeps a small live heap (sessions, approvals, caches:
// a few MiB) and allocates for every call, so Go's default, collecting
// whenever the heap has doubled, collected every few hundred calls: 13 % of
// the server's CPU under load (whoami over HTTP, 64 sessions: 345 -> 297 µs
// per call with servingGCPercent). Collecting when the heap has grown
// fivefold costs some MiB; in a container, a soft limit at 70 % of its
// memory makes the collector work harder before the container would be
// killed. An operator's GOGC or GOMEMLIMIT wins: then both are theirs.
const servingGCPercent = 400

// servingGC returns the collector's percent and soft memory limit (0: none)
// for a server, given the environment, a way to read the cgroup files, and
// the percent the runtime took from GOGC.
func servingGC(getenv func(string) string, readFile func(string) ([]byte, error), fromEnv int) (percent int, limit int64) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return fromEnv, 0
	}
	if mem, ok := containerMemory(readFile); ok {
		limit = mem / 10 * 7
	}
	return servingGCPercent, limit
}

// containerMemory reads the memory limit of the process's cgroup (v2, then
// v1); false when there is none.
func containerMemory(readFile func(string) ([]byte, error)) (int64, bool) {
	for _, path := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := readFile(path)
		if err != nil {
			continue
		}
		v := strings.TrimSpace(string(b))
		n, err := strconv.ParseInt(v, 10, 64)
		// "max" (v2) or a page-rounded maximum (v1) mean no limit.
		if err != nil || n <= 0 || n >= 1<<60 {
			return 0, false
		}
		return n, true
	}
	return 0, false
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
