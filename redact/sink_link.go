package redact

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
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
	// maxUnlockBody bounds the form a person posts to open a link.
	maxUnlockBody = 4096
)

// LinkSink keeps secrets in memory behind single-use, expiring links on the server's own HTTP listener. It suits
// the HTTP transport, where the person may not share a file system with the server.
//
// The link itself ends up in the model's context, and an agent with a web-fetch tool could open it. So the link
// alone shows only a page that asks for a key; the secret is handed out (once) to whoever presents the link's
// one-time code or the server's bearer token, neither of which the model has: the code travels only in the
// person's copy of the link (PersonURL, shown through URL-mode elicitation) and on the server's console.
type LinkSink struct {
	base   string
	ttl    time.Duration
	bearer string

	mu       sync.Mutex
	now      func() time.Time
	announce func(NewLink)
	pending  map[string]linkEntry
}

type linkEntry struct {
	secret  Secret
	code    string
	created time.Time
	expires time.Time
}

// NewLink describes a link for the operator's console: the one place, besides URL-mode elicitation, where the
// one-time code appears.
type NewLink struct {
	Label     string
	URL       string // the link without the code, as the model sees it
	PersonURL string // the link with the code in its fragment, for the person only
	Code      string
	ExpiresAt time.Time
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

// AcceptBearer lets the HTTP server's bearer token open any link, as well as the link's own code. Call it before
// serving.
func (l *LinkSink) AcceptBearer(token string) { l.bearer = token }

// OnNewLink registers where new links are announced with their codes (the server's console). Without it the
// code reaches the person only through URL-mode elicitation, or they use the bearer token.
func (l *LinkSink) OnNewLink(f func(NewLink)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.announce = f
}

// codeEncoding spells codes without padding or look-alike lower-case letters, to be read off a console.
var codeEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// Put stores the secret under a random 256-bit id with a random 80-bit code and returns its link.
func (l *LinkSink) Put(ctx context.Context, sec Secret) (Ref, error) {
	if err := ctx.Err(); err != nil {
		return Ref{}, err
	}
	var raw [32]byte
	rand.Read(raw[:])
	id := base64.RawURLEncoding.EncodeToString(raw[:])
	var rawCode [10]byte
	rand.Read(rawCode[:])
	code := codeEncoding.EncodeToString(rawCode[:])

	l.mu.Lock()
	now := l.now()
	l.sweepLocked(now)
	if len(l.pending) >= maxPendingLinks {
		l.mu.Unlock()
		return Ref{}, errors.New("too many secret links are waiting to be opened; try again once some have expired")
	}
	expires := now.Add(l.ttl)
	l.pending[id] = linkEntry{secret: sec, code: code, created: now, expires: expires}
	announce := l.announce
	l.mu.Unlock()

	link := l.base + "/secrets/" + id
	personURL := link + "#code=" + code
	if announce != nil {
		announce(NewLink{Label: labelOr(sec.Label, "secret"), URL: link, PersonURL: personURL, Code: code, ExpiresAt: expires})
	}
	return Ref{
		Kind:         "link",
		Location:     link,
		PersonURL:    personURL,
		Instructions: l.instructions(labelOr(sec.Label, "secret"), link, expires),
		ExpiresAt:    &expires,
	}, nil
}

// instructions tell the person how to open a link whose code the model does not know.
func (l *LinkSink) instructions(label, link string, expires time.Time) string {
	// The text reaches the model through the redactor, so it avoids the
	// shape of an Authorization header, which would be withheld as a secret.
	key := "the one-time code printed on the server's console"
	curl := fmt.Sprintf("curl -sS --data-urlencode code=CODE %s", link)
	if l.bearer != "" {
		key = "the server's MCP_HTTP_TOKEN or " + key
		curl = fmt.Sprintf(`curl -sS --data-urlencode "code=$MCP_HTTP_TOKEN" %s (or code=CODE)`, link)
	}
	return fmt.Sprintf("Open the link in a browser and enter %s to see the %s, then store it in your password "+
		"manager or vault; from a shell: %s. The link works once and expires at %s.",
		key, label, curl, expires.UTC().Format(time.RFC3339))
}

// sweepLocked drops expired entries. Put calls it, so memory stays bounded without a background goroutine.
func (l *LinkSink) sweepLocked(now time.Time) {
	for id, e := range l.pending {
		if !now.Before(e.expires) {
			delete(l.pending, id)
		}
	}
}

// peek returns the entry for id if it exists and has not expired.
func (l *LinkSink) peek(id string) (linkEntry, bool) {
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
	return e, true
}

// unlock removes and returns the entry for id if key opens it. A wrong key leaves the link in place, so that
// a guess (by a model or anyone else) cannot use it up.
func (l *LinkSink) unlock(id, key string) (linkEntry, linkStatus) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.pending[id]
	if !ok {
		return linkEntry{}, linkGone
	}
	if !l.now().Before(e.expires) {
		delete(l.pending, id)
		return linkEntry{}, linkGone
	}
	if !l.opens(e, key) {
		return linkEntry{}, linkLocked
	}
	delete(l.pending, id)
	return e, linkOpened
}

type linkStatus int

const (
	linkOpened linkStatus = iota
	linkLocked
	linkGone
)

func (l *LinkSink) opens(e linkEntry, key string) bool {
	key = strings.TrimSpace(key)
	if key == "" {
		return false
	}
	codeOK := subtle.ConstantTimeCompare([]byte(strings.ToUpper(key)), []byte(e.code)) == 1
	bearerOK := l.bearer != "" && subtle.ConstantTimeCompare([]byte(key), []byte(l.bearer)) == 1
	return codeOK || bearerOK
}

// keyFrom reads the key a request presents: Authorization: Bearer <token or code>, or a "code" form field.
func keyFrom(r *http.Request) string {
	if v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return v
	}
	if r.Method != http.MethodPost {
		return ""
	}
	r.Body = http.MaxBytesReader(nil, r.Body, maxUnlockBody)
	if err := r.ParseForm(); err != nil {
		return ""
	}
	return r.PostForm.Get("code")
}

// Handler serves /secrets/{id}. GET without a key (a browser, a link preview, a model's web fetch) shows a page
// that asks for the code or token and never uses the link up. POST with the key in a "code" form field, or any
// request with Authorization: Bearer <token or code>, hands out the secret the first time: as an HTML page to a
// browser's form, as JSON otherwise. Unknown, used and expired links answer 404; a wrong key 403. Mount it at the
// root of the base URL given to NewLinkSink; it does its own authentication.
func (l *LinkSink) Handler() http.Handler {
	mux := http.NewServeMux()
	serve := func(w http.ResponseWriter, r *http.Request) {
		noStore(w.Header())
		id := r.PathValue("id")
		key := keyFrom(r)
		if key == "" {
			if _, ok := l.peek(id); !ok {
				writeGone(w, r)
				return
			}
			if r.Method == http.MethodPost {
				writePage(w, http.StatusForbidden, unlockPage(l.base, id, "Enter the code or token."))
				return
			}
			writePage(w, http.StatusOK, unlockPage(l.base, id, ""))
			return
		}
		if r.Method == http.MethodHead {
			// A link checker never uses a link up, even with a key.
			if _, ok := l.peek(id); !ok {
				w.WriteHeader(http.StatusNotFound)
			}
			return
		}
		e, status := l.unlock(id, key)
		switch status {
		case linkGone:
			writeGone(w, r)
		case linkLocked:
			if wantsHTML(r) {
				writePage(w, http.StatusForbidden, unlockPage(l.base, id, "That code or token does not open this link. Nothing was used up; try again."))
				return
			}
			http.Error(w, "That code or token does not open this link; nothing was used up.", http.StatusForbidden)
		case linkOpened:
			const note = "This link no longer works. Store the secret in your password manager or vault."
			if wantsHTML(r) {
				writePage(w, http.StatusOK, secretPage(e.secret, note))
				return
			}
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.Write(renderDocument(e.secret, e.created, note))
		}
	}
	mux.HandleFunc("GET /secrets/{id}", serve)
	mux.HandleFunc("POST /secrets/{id}", serve)
	return mux
}

// noStore keeps the answer out of caches, history snapshots and other sites' Referer headers.
func noStore(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
}

// wantsHTML reports a browser's form post, as opposed to curl or a script.
func wantsHTML(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}

func writeGone(w http.ResponseWriter, r *http.Request) {
	const msg = "This secret link is unknown, was already opened, or has expired."
	if wantsHTML(r) {
		writePage(w, http.StatusNotFound, gonePage(msg))
		return
	}
	http.Error(w, msg, http.StatusNotFound)
}
