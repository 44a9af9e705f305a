package server

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync"
	"time"
)

// Defaults for the streamable HTTP sessions of the session-era protocol.
const (
	// DefaultSessionIdleTTL ends a session nobody used for this long; its
	// client gets 404 and starts a new one, as the specification says.
	DefaultSessionIdleTTL = 30 * time.Minute
	// DefaultMaxSessions bounds the sessions kept at once: abandoned ones
	// cannot grow memory without limit. At the bound, the least recently
	// used session is ended to make room.
	DefaultMaxSessions = 1000
)

// sessionRegistry is the streamable HTTP session id manager: it knows every
// live session, so an unknown, expired or deleted id gets 404 (mcp-go's
// default accepts any id), DELETE ends a session, idle sessions expire and
// their number is bounded.
type sessionRegistry struct {
	mu      sync.Mutex
	ttl     time.Duration
	max     int
	now     func() time.Time
	touched map[string]time.Time
	// onEvict releases the transport's state of a session ended to make
	// room (run outside the lock).
	onEvict func(id string)
}

func newSessionRegistry(ttl time.Duration, max int) *sessionRegistry {
	if ttl <= 0 {
		ttl = DefaultSessionIdleTTL
	}
	if max <= 0 {
		max = DefaultMaxSessions
	}
	return &sessionRegistry{ttl: ttl, max: max, now: time.Now, touched: map[string]time.Time{}}
}

var errUnknownSession = errors.New("unknown or expired session")

// Generate starts a session, ending the least recently used one at the bound.
func (r *sessionRegistry) Generate() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	id := "mcp-session-" + hex.EncodeToString(b)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.expireLocked()
	if len(r.touched) >= r.max {
		var oldest string
		var at time.Time
		for sid, t := range r.touched {
			if oldest == "" || t.Before(at) {
				oldest, at = sid, t
			}
		}
		delete(r.touched, oldest)
		if r.onEvict != nil {
			go r.onEvict(oldest)
		}
	}
	r.touched[id] = r.now()
	return id
}

// Validate accepts a live session and counts the request as its use.
func (r *sessionRegistry) Validate(id string) (isTerminated bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.touched[id]
	if !ok {
		return false, errUnknownSession
	}
	if r.now().Sub(t) > r.ttl {
		delete(r.touched, id)
		return false, errUnknownSession
	}
	r.touched[id] = r.now()
	return false, nil
}

// Terminate ends a session (DELETE /mcp, or the idle sweeper).
func (r *sessionRegistry) Terminate(id string) (isNotAllowed bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.touched, id)
	return false, nil
}

// Len is the number of live sessions.
func (r *sessionRegistry) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.expireLocked()
	return len(r.touched)
}

func (r *sessionRegistry) expireLocked() {
	now := r.now()
	for id, t := range r.touched {
		if now.Sub(t) > r.ttl {
			delete(r.touched, id)
		}
	}
}
