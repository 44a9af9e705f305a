package main

import (
	"os"
	"runtime/debug"
)

// A serving process keeps a small live heap (sessions, approvals, caches:
// a few MiB) and allocates for every call, so Go's default, collecting
// whenever the heap has doubled, collected every few hundred calls: 13 % of
// the server's CPU under load (whoami over HTTP, 64 sessions: 345 -> 297 µs
// per call with the setting below). Collecting when the heap has grown
// fivefold instead costs some MiB; a soft limit keeps a burst of large
// pages from growing it further. An operator's GOGC or GOMEMLIMIT wins.
const (
	servingGCPercent   = 400
	servingMemoryLimit = 512 << 20
)

// gcSettings says what to set for a serving process given the environment,
// and false when the operator set GOGC or GOMEMLIMIT (then both are theirs).
func gcSettings(getenv func(string) string) (percent int, limit int64, ok bool) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return 0, 0, false
	}
	return servingGCPercent, servingMemoryLimit, true
}

// tuneServingGC applies gcSettings to this process.
func tuneServingGC() {
	if percent, limit, ok := gcSettings(os.Getenv); ok {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	}
}
