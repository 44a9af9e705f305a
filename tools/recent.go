package tools

import (
	"sync"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/cloudapi"
)

// recent remembers values read from the Cloud API for a short time, per
// client: a warm whoami or list_org_members then sends only the requests
// that carry the answer, not the ones that only decorate it. Keying by the
// client keeps what one set of credentials read away from another (with
// per-caller credentials each caller has its own client). Entries older
// than ttl are never returned and are dropped when something new is stored,
// so clients that are gone do not pile up.
type recent[K comparable, V any] struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[recentKey[K]]recentEntry[V]
}

type recentKey[K comparable] struct {
	client *cloudapi.Client
	key    K
}

type recentEntry[V any] struct {
	v  V
	at time.Time
}

func (r *recent[K, V]) get(cc *cloudapi.Client, k K) (V, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.m[recentKey[K]{cc, k}]
	if !ok || time.Since(e.at) >= r.ttl {
		var zero V
		return zero, false
	}
	return e.v, true
}

func (r *recent[K, V]) put(cc *cloudapi.Client, k K, v V) {
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[recentKey[K]]recentEntry[V]{}
	}
	for key, e := range r.m {
		if now.Sub(e.at) >= r.ttl {
			delete(r.m, key)
		}
	}
	r.m[recentKey[K]{cc, k}] = recentEntry[V]{v: v, at: now}
}

func (r *recent[K, V]) forget(cc *cloudapi.Client, k K) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.m, recentKey[K]{cc, k})
}
