package state

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Store is what replicas of the server share: used-once approval nonces, one-time secret links and per-caller rate
// counters. Every method is atomic across all clients of the same store, so two replicas racing on one nonce or one
// link see exactly one winner. Errors from an unreachable store wrap ErrUnavailable; a caller must then do nothing.
type Store interface {
	// IssueTime returns the store's clock, to be sealed into a new approval as its issue time. It also makes sure
	// the store's memory of used nonces has begun, so that RedeemOnce can tell an approval issued before a reset.
	// The time has millisecond precision: seal it as UnixMilli (seconds would lose the part that matters).
	IssueTime(ctx context.Context) (time.Time, error)
	// RedeemOnce marks nonce as used for ttl. It returns nil only the first time the nonce is redeemed through any
	// client of the store, ErrAlreadyUsed afterwards, and ErrIssuedBeforeReset when issued (from IssueTime) is
	// before the store's memory begins: the store was emptied or restarted without persistence since, so it cannot
	// know whether the nonce was used. ttl must cover the approval's remaining lifetime plus clock skew between
	// replicas.
	RedeemOnce(ctx context.Context, nonce string, issued time.Time, ttl time.Duration) error

	// PutLink stores secret, sealed with the state key, under the link id for ttl. It never overwrites: putting an
	// id that is already pending is an error.
	PutLink(ctx context.Context, id string, secret []byte, ttl time.Duration) error
	// TakeLink returns the secret under id and removes it in one step, so only one caller anywhere gets it. ok is
	// false when the id is unknown, already taken or expired.
	TakeLink(ctx context.Context, id string) (secret []byte, ok bool, err error)
	// HasLink reports whether id is pending without using it up (for HEAD requests of link checkers).
	HasLink(ctx context.Context, id string) (bool, error)

	// Incr adds one to the counter key in its fixed window and returns the new count and the time until the window
	// ends and the counter starts again from zero.
	Incr(ctx context.Context, key string, window time.Duration) (count int64, resetIn time.Duration, err error)

	// Health returns nil when the store answers and is safe to use, for start-up and /healthz: an error matching
	// ErrUnavailable when it does not answer, ErrEvicting when it may drop records before they expire.
	Health(ctx context.Context) error
	// Kind is "memory" or "redis".
	Kind() string
	// Close releases connections. The store is unusable afterwards.
	Close() error
}

var (
	// ErrUnavailable is matched (errors.Is) by every error that comes from the store not answering. The message is
	// fit for a tool result.
	ErrUnavailable = errors.New("the state store is unreachable; nothing was done; try again in a moment, and tell " +
		"the operator if it persists")
	// ErrEvicting is matched by Health when the store may drop records before they expire, which could let an
	// approval be used twice. The server should refuse to start on it.
	ErrEvicting = errors.New("the state store may evict records under memory pressure, so a used approval could be " +
		"forgotten and used again")
	// ErrAlreadyUsed: the nonce was redeemed before, here or on another replica.
	ErrAlreadyUsed = errors.New("this approval was already used; ask for a new one")
	// ErrIssuedBeforeReset: the store lost its record of used nonces after the approval was issued.
	ErrIssuedBeforeReset = errors.New("the state store was reset after this approval was issued, so its single use " +
		"cannot be guaranteed; ask for a new approval")
)

// UnavailableError is the typed error of a store that did not answer. Its message is ErrUnavailable's, fit for the
// agent; Unwrap gives the cause (addresses, network errors) for the operator's log only.
type UnavailableError struct {
	Op  string // issue, redeem, put_link, take_link, has_link, incr, health
	Err error
}

func (e *UnavailableError) Error() string        { return ErrUnavailable.Error() }
func (e *UnavailableError) Unwrap() error        { return e.Err }
func (e *UnavailableError) Is(target error) bool { return target == ErrUnavailable }

// Open returns the store named by spec: "memory" (or empty) for one replica, or "redis://HOST:PORT/DB" (also
// "rediss://" for TLS, with user and password in the URL when needed) for a Redis or Valkey shared by replicas.
// keys may be nil with memory (an ephemeral key then seals links); a shared store refuses to open without it,
// because replicas must read what another one sealed. Open does not contact the store; call Health for that.
func Open(spec string, keys *Keyring) (Store, error) {
	switch {
	case spec == "" || spec == "memory":
		return NewMemory(keys), nil
	case strings.HasPrefix(spec, "redis://") || strings.HasPrefix(spec, "rediss://"):
		if keys == nil {
			return nil, fmt.Errorf("a shared state store needs %s (or %s): every replica seals approvals and "+
				"secret links with it; %s", EnvKey, EnvKeyFile, keyHint)
		}
		return NewRedis(spec, keys)
	default:
		return nil, fmt.Errorf("unknown state store %q: use memory or redis://HOST:PORT/DB", Redact(spec))
	}
}

// Redact returns spec with any password in it replaced, for logs and errors. A spec that is not a URL is replaced
// entirely, since it may be a password pasted in the wrong place.
func Redact(spec string) string {
	if spec == "memory" || spec == "" {
		return spec
	}
	u, err := url.Parse(spec)
	if err != nil || u.Scheme == "" {
		return "(unparsable)"
	}
	return u.Redacted()
}

// storeKey names the record for one purpose. Names are hashes so that whoever can read the store cannot learn link
// ids (which open links), nonces or caller names from it; the prefix keeps this server's records apart from other
// users of the same database.
func storeKey(kind, name string) string {
	sum := sha256.Sum256([]byte(name))
	return "elastic-access-mcp:" + kind + ":" + hex.EncodeToString(sum[:])
}

// linkBinding is the additional data sealed with a link secret: the ciphertext opens only under its own id.
func linkBinding(id string) string { return "link:" + id }

// checkTTL refuses lifetimes the store cannot express (it counts whole milliseconds), before anything is written.
func checkTTL(ttl time.Duration) error {
	if ttl < time.Millisecond {
		return fmt.Errorf("a lifetime of %v is too short: it must be at least one millisecond", ttl)
	}
	return nil
}
