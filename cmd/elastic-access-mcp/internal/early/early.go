// Package early adjusts the Go runtime to the command being run before the
// costly dependencies initialise (JSON Schema metaschemas, validators,
// metrics: about half of a short process's CPU). Go runs initialisers one
// ready package at a time in import-path order; early needs only a few
// standard packages, so it is ready, and runs, before the packages that
// depend on more of them, the costly ones among them. It does not run
// first: about a hundred light initialisers (1.4 ms) come before it. A test
// of the built binary checks that it precedes the costly ones.
package early

import (
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
)

var (
	gcPaused  bool
	gcPercent int
)

func init() {
	if testBinary(os.Args) {
		return // a test binary, whatever its arguments
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

// containerMemory reads the memory limit of the process's cgroup, v2 then
// v1, at the cgroup /proc/self/cgroup names (a service manager's or a
// host-mounted hierarchy) and at the root (a container's own namespace);
// false when there is none.
func containerMemory(readFile func(string) ([]byte, error)) (int64, bool) {
	var paths []string
	if b, err := readFile("/proc/self/cgroup"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			// "0::/path" (v2) or "N:memory,…:/path" (v1).
			parts := strings.SplitN(line, ":", 3)
			if len(parts) != 3 || parts[2] == "/" {
				continue
			}
			switch {
			case parts[0] == "0" && parts[1] == "":
				paths = append(paths, "/sys/fs/cgroup"+parts[2]+"/memory.max")
			case slices.Contains(strings.Split(parts[1], ","), "memory"):
				paths = append(paths, "/sys/fs/cgroup/memory"+parts[2]+"/memory.limit_in_bytes")
			}
		}
	}
	paths = append(paths, "/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")
	for _, path := range paths {
		b, err := readFile(path)
		if err != nil {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		// "max" (v2) or a page-rounded maximum (v1) mean no limit here.
		if err != nil || n <= 0 || n >= 1<<60 {
			continue
		}
		return n, true
	}
	return 0, false
}

// testBinary says whether the process is a test binary: go test names them
// NAME.test (.test.exe on Windows), and a test binary run by hand still
// takes -test. flags.
func testBinary(args []string) bool {
	if strings.HasSuffix(args[0], ".test") || strings.HasSuffix(args[0], ".test.exe") {
		return true
	}
	for _, a := range args[1:] {
		if strings.HasPrefix(a, "-test.") {
			return true
		}
	}
	return false
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
