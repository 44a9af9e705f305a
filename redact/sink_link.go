package redact

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

const (
	// DefaultLinkTTL is how long an unopened secret link stays valid.
	DefaultLinkTTL = 10 * time.Minute
	// maxPendingLinks bounds the memory held by secrets nobody has fetched.
	maxPendingLinks = 10000
)

// LinkSink keeps secrets in memory behind single-use, expiring links on the server's own HTTP listener. It suits
// the HTTP transport, where the person may not share a file system with the server. Authentication in front of
// Handler is the server's job.
type LinkSink struct {
	base string
	ttl  time.Duration

	mu      sync.Mutex
	now     func() time.Time
	pending map[string]linkEntry
}

type linkEntry struct {
	secret  Secret
	created time.Time
	expires time.Time
}

// NewLinkSink serves secrets under baseURL + "/secrets/{id}". A ttl of zero or less means DefaultLinkTTL.
func NewLinkSink(baseURL string, ttl time.Duration) *LinkSink {
	if ttl <= 0 {
		ttl = DefaultLinkTTL
	}
	return &LinkSink{
		base:    strings.TrimRight(baseURL, "/"),
		ttl:     ttl,
		now:     time.Now,
		pending: make(map[string]linkEntry),
	}
}

// SetClock replaces the clock used for expiry, for tests.
func (l *LinkSink) SetClock(now func() time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.now = now
}

// Put stores the secret under a random 256-bit id and returns its link.
func (l *LinkSink) Put(ctx context.Context, sec Secret) (Ref, error) {
	if err := ctx.Err(); err != nil {
		return Ref{}, err
	}
	var raw [32]byte
	rand.Read(raw[:])
	id := base64.RawURLEncoding.EncodeToString(raw[:])

	l.mu.Lock()
	now := l.now()
	l.sweepLocked(now)
	if len(l.pending) >= maxPendingLinks {
		l.mu.Unlock()
		return Ref{}, errors.New("too many secret links are waiting to be opened; try again once some have expired")
	}
	expires := now.Add(l.ttl)
	l.pending[id] = linkEntry{secret: sec, created: now, expires: expires}
	l.mu.Unlock()

	return Ref{
		Kind:     "link",
		Location: l.base + "/secrets/" + id,
		Instructions: fmt.Sprintf("Open the link to see the %s and store it in your password manager or vault; the "+
			"link works once and expires at %s.", labelOr(sec.Label, "secret"), expires.UTC().Format(time.RFC3339)),
		ExpiresAt: &expires,
	}, nil
}

// sweepLocked drops expired entries. Put calls it, so memory stays bounded without a background goroutine.
func (l *LinkSink) sweepLocked(now time.Time) {
	for id, e := range l.pending {
		if !now.Before(e.expires) {
			delete(l.pending, id)
		}
	}
}

// take removes and returns the entry for id if it exists and has not expired. A HEAD request only peeks, so that
// a link checker cannot use up the link.
func (l *LinkSink) take(id string, consume bool) (linkEntry, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.pending[id]
	if !ok {
		return linkEntry{}, false
	}
	if !l.now().Before(e.expires) {
		delete(l.pending, id)
		return linkEntry{}, false
	}
	if consume {
		delete(l.pending, id)
	}
	return e, true
}

// Handler serves GET /secrets/{id}: the secret as JSON the first time, 404 afterwards, once expired, and for
// unknown ids. Mount it at the root of the base URL given to NewLinkSink.
func (l *LinkSink) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /secrets/{id}", func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Pragma", "no-cache")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		e, ok := l.take(r.PathValue("id"), r.Method == http.MethodGet)
		if !ok {
			http.Error(w, "This secret link is unknown, was already opened, or has expired.", http.StatusNotFound)
			return
		}
		h.Set("Content-Type", "application/json; charset=utf-8")
		if r.Method == http.MethodHead {
			return
		}
		w.Write(renderDocument(e.secret, e.created,
			"This link no longer works. Store the secret in your password manager or vault."))
	})
	return mux
}
