package redact

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/caller"
	"github.com/elastic-access-mcp/elastic-access-mcp/state"
)

const (
	// DefaultLinkTTL is how long an unopened secret link stays valid.
	DefaultLinkTTL = 10 * time.Minute
	// maxUnlockBody bounds the form a person posts to open a link.
	maxUnlockBody = 4096
)

// LinkSink keeps secrets behind single-use, expiring links on the server's own HTTP listener. It suits the HTTP
// transport, where the person may not share a file system with the server. The pending secrets live in a LinkStore:
// this process's memory, or a store shared by every replica (sealed there, never in clear), so that a link created
// on one replica opens once through any of them.
//
// The link itself ends up in the model's context, and an agent with a web-fetch tool could open it. So the link
// alone shows only a page that asks for a key; the secret is handed out (once) to whoever presents the link's
// one-time code or the server's bearer token, neither of which the model has: the code travels only in the
// person's copy of the link (PersonURL, shown through URL-mode elicitation) and on the server's console. A link
// created for a caller with credentials of their own (see caller.From) opens with the bearer token only together
// with that caller's credentials.
type LinkSink struct {
	base   string
	ttl    time.Duration
	bearer string
	store  LinkStore

	mu        sync.Mutex
	now       func() time.Time
	announce  func(NewLink)
	ownerOf   func(*http.Request) string
	ownerHint string
	opened    func()
}

// LinkStore holds pending links (state.Store satisfies it). TakeLink must hand a record to one caller only.
type LinkStore interface {
	PutLink(ctx context.Context, id string, secret []byte, ttl time.Duration) error
	TakeLink(ctx context.Context, id string) (secret []byte, ok bool, err error)
	HasLink(ctx context.Context, id string) (bool, error)
}

// A link is three records, all expiring together: the secret under its id, which only one opener can take; a
// marker under id+code, whose presence proves the code without using anything up; and, for a caller's link, a
// marker under id+owner. A wrong key thus never uses the link up, and the one who takes the secret record is the
// only one who gets it.
func secretRecord(id string) string       { return "secret/" + id }
func codeRecord(id, code string) string   { return "code/" + id + "/" + code }
func ownerRecord(id, owner string) string { return "owner/" + id + "/" + owner }
func ownedRecord(id string) string        { return "owned/" + id }

// owned reports whether the link was created for a caller with credentials of their own.
func (l *LinkSink) owned(ctx context.Context, id string) (bool, error) {
	return l.store.HasLink(ctx, ownedRecord(id))
}

// storedSecret is a pending secret as the store keeps it (sealed by the store).
type storedSecret struct {
	Secret  Secret    `json:"secret"`
	Created time.Time `json:"created"`
	Owned   bool      `json:"owned,omitempty"`
}

type linkEntry struct {
	secret  Secret
	created time.Time
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

// NewLinkSink serves secrets under baseURL + "/secrets/{id}", kept in this process's memory. A ttl of zero or
// less means DefaultLinkTTL.
func NewLinkSink(baseURL string, ttl time.Duration) *LinkSink {
	return NewSharedLinkSink(baseURL, ttl, state.NewMemory(nil))
}

// NewSharedLinkSink is NewLinkSink with the pending secrets in store, e.g. a store shared by replicas.
func NewSharedLinkSink(baseURL string, ttl time.Duration, store LinkStore) *LinkSink {
	if ttl <= 0 {
		ttl = DefaultLinkTTL
	}
	return &LinkSink{
		base:  strings.TrimRight(baseURL, "/"),
		ttl:   ttl,
		now:   time.Now,
		store: store,
	}
}

// SetClock replaces the clock used for expiry, for tests. The memory store follows it.
func (l *LinkSink) SetClock(now func() time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.now = now
	if c, ok := l.store.(interface{ SetClock(func() time.Time) }); ok {
		c.SetClock(now)
	}
}

// OwnerOf tells the sink how to recognise the caller behind an HTTP request (the digest of their credentials),
// so that the bearer token opens a caller's link only for that caller. Call it before serving.
// hint tells the person what to send along with the token (e.g. "the same credential headers your MCP client
// sends").
func (l *LinkSink) OwnerOf(f func(*http.Request) string, hint string) {
	l.ownerOf, l.ownerHint = f, hint
}

// OnOpened registers a function called each time a secret is handed out (for metrics). Call it before serving.
func (l *LinkSink) OnOpened(f func()) { l.opened = f }

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
	announce := l.announce
	l.mu.Unlock()
	expires := now.Add(l.ttl)
	owner := caller.From(ctx)
	doc, err := json.Marshal(storedSecret{Secret: sec, Created: now, Owned: owner != ""})
	if err != nil {
		return Ref{}, err
	}
	// The markers go first: a secret record without them could never be opened.
	if err := l.store.PutLink(ctx, codeRecord(id, code), []byte{1}, l.ttl); err != nil {
		return Ref{}, err
	}
	if owner != "" {
		if err := l.store.PutLink(ctx, ownerRecord(id, owner), []byte{1}, l.ttl); err != nil {
			return Ref{}, err
		}
		if err := l.store.PutLink(ctx, ownedRecord(id), []byte{1}, l.ttl); err != nil {
			return Ref{}, err
		}
	}
	if err := l.store.PutLink(ctx, secretRecord(id), doc, l.ttl); err != nil {
		return Ref{}, err
	}

	link := l.base + "/secrets/" + id
	personURL := link + "#code=" + code
	if announce != nil {
		announce(NewLink{Label: labelOr(sec.Label, "secret"), URL: link, PersonURL: personURL, Code: code, ExpiresAt: expires})
	}
	return Ref{
		Kind:         "link",
		Location:     link,
		PersonURL:    personURL,
		Instructions: l.instructions(labelOr(sec.Label, "secret"), link, expires, owner != ""),
		ExpiresAt:    &expires,
	}, nil
}

// instructions tell the person how to open a link whose code the model does not know.
func (l *LinkSink) instructions(label, link string, expires time.Time, owned bool) string {
	// The text reaches the model through the redactor, so it avoids the
	// shape of an Authorization header, which would be withheld as a secret.
	key := "the one-time code printed on the server's console"
	curl := fmt.Sprintf("curl -sS --data-urlencode code=CODE %s", link)
	if l.bearer != "" {
		key = "the server's MCP_HTTP_TOKEN or " + key
		curl = fmt.Sprintf(`curl -sS --data-urlencode "code=$MCP_HTTP_TOKEN" %s (or code=CODE)`, link)
		if owned {
			// Only the caller who asked may open it with the token: with the token alone, the page refuses.
			key = "the one-time code"
			curl = fmt.Sprintf(`curl -sS --data-urlencode "code=$MCP_HTTP_TOKEN" %s, adding %s`, link, l.ownerHint)
		}
	}
	return fmt.Sprintf("Open the link in a browser and enter %s to see the %s, then store it in your password "+
		"manager or vault; from a shell: %s. The link works once and expires at %s.",
		key, label, curl, expires.UTC().Format(time.RFC3339))
}

// pending reports whether the link id is waiting to be opened, without using it up.
func (l *LinkSink) pending(ctx context.Context, id string) (bool, error) {
	return l.store.HasLink(ctx, secretRecord(id))
}

// unlock removes and returns the secret for id if key opens it. A wrong key leaves the link in place, so that
// a guess (by a model or anyone else) cannot use it up.
func (l *LinkSink) unlock(r *http.Request, id, key string) (linkEntry, linkStatus, error) {
	ctx := r.Context()
	opens, err := l.opens(r, id, key)
	if err != nil {
		return linkEntry{}, linkGone, err
	}
	if !opens {
		ok, err := l.pending(ctx, id)
		switch {
		case err != nil:
			return linkEntry{}, linkGone, err
		case ok:
			return linkEntry{}, linkLocked, nil
		}
		return linkEntry{}, linkGone, nil
	}
	raw, ok, err := l.store.TakeLink(ctx, secretRecord(id))
	if err != nil || !ok {
		return linkEntry{}, linkGone, err
	}
	var doc storedSecret
	if err := json.Unmarshal(raw, &doc); err != nil {
		return linkEntry{}, linkGone, err
	}
	if l.opened != nil {
		l.opened()
	}
	return linkEntry{secret: doc.Secret, created: doc.Created}, linkOpened, nil
}

type linkStatus int

const (
	linkOpened linkStatus = iota
	linkLocked
	linkGone
)

// opens checks the key without using anything up: the link's own code, or the bearer token (for a caller's
// link, only with that caller's credentials on the request).
func (l *LinkSink) opens(r *http.Request, id, key string) (bool, error) {
	key = strings.TrimSpace(key)
	if key == "" {
		return false, nil
	}
	if l.bearer != "" && subtle.ConstantTimeCompare([]byte(key), []byte(l.bearer)) == 1 {
		owner := ""
		if l.ownerOf != nil {
			owner = l.ownerOf(r)
		}
		if owner == "" {
			// Without credentials of their own, the token opens only links of the server's own credentials.
			ownedBySomeone, err := l.owned(r.Context(), id)
			return err == nil && !ownedBySomeone, err
		}
		return l.store.HasLink(r.Context(), ownerRecord(id, owner))
	}
	code := strings.ToUpper(key)
	if _, err := codeEncoding.DecodeString(code); err != nil || len(code) != 16 {
		return false, nil // not a code of ours: no need to ask the store
	}
	return l.store.HasLink(r.Context(), codeRecord(id, code))
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
			if ok, err := l.pending(r.Context(), id); err != nil || !ok {
				writeGoneOr(w, r, err)
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
			if ok, err := l.pending(r.Context(), id); err != nil {
				w.WriteHeader(http.StatusServiceUnavailable)
			} else if !ok {
				w.WriteHeader(http.StatusNotFound)
			}
			return
		}
		e, status, err := l.unlock(r, id, key)
		if err != nil {
			writeGoneOr(w, r, err)
			return
		}
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

// writeGoneOr answers 503 when the store did not answer (the link may still be pending: nothing was used up, or
// the store did not say), and 404 otherwise.
func writeGoneOr(w http.ResponseWriter, r *http.Request, err error) {
	if err != nil {
		http.Error(w, "The secret store did not answer; try again in a moment.", http.StatusServiceUnavailable)
		return
	}
	writeGone(w, r)
}

func writeGone(w http.ResponseWriter, r *http.Request) {
	const msg = "This secret link is unknown, was already opened, or has expired."
	if wantsHTML(r) {
		writePage(w, http.StatusNotFound, gonePage(msg))
		return
	}
	http.Error(w, msg, http.StatusNotFound)
}
