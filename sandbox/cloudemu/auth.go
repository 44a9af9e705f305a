package cloudemu

import (
	"crypto/sha256"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// authenticate resolves "Authorization: ApiKey <key>" to a live key. A
// missing, malformed, unknown or expired key is 401 root.unauthorized: the
// reference (§1.3) suggests that code since the real one is unknown.
func (e *Emulator) authenticate(r *http.Request, now time.Time) (*apiKey, *reply) {
	scheme, secret, found := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	secret = strings.TrimSpace(secret)
	if !found || !strings.EqualFold(scheme, "ApiKey") || secret == "" {
		rep := fail(http.StatusUnauthorized, codeUnauthorized, "Credentials were invalid: send 'Authorization: ApiKey <key>'")
		return nil, &rep
	}
	k := e.keyByHash[sha256.Sum256([]byte(secret))]
	if k == nil || k.expired(now) {
		rep := fail(http.StatusUnauthorized, codeUnauthorized, "Credentials were invalid")
		return nil, &rep
	}
	return k, nil
}

func (k *apiKey) expired(now time.Time) bool {
	return !k.expires.IsZero() && !now.Before(k.expires)
}

// isOrgAdmin says whether the key holds organization-admin (Organization
// owner) on its own organization. Authority comes from the key's own role
// assignments, not from its creator's membership: a key keeps working after
// its creator leaves (reference §1.2).
func (k *apiKey) isOrgAdmin() bool {
	for _, a := range k.ra.Organization {
		if a.RoleID == roleOrgAdmin && a.OrganizationID == k.orgID {
			return true
		}
	}
	return false
}

// rateWindow is a fixed one-minute window per key, enough to make the
// x-ratelimit-* headers move and to produce a real 429.
type rateWindow struct {
	start time.Time
	count int
}

const rateInterval = time.Minute

func (e *Emulator) rateLimit(k *apiKey, now time.Time, hdr http.Header) *reply {
	limit := e.opts.RateLimit
	if limit == 0 {
		limit = 10000
	}
	w := e.rate[k.id]
	if w == nil || now.Sub(w.start) >= rateInterval {
		w = &rateWindow{start: now}
		e.rate[k.id] = w
	}
	w.count++
	shown := limit
	if limit < 0 {
		shown = 10000 // unlimited: report the default so the headers stay numeric
	}
	remaining := max(shown-w.count, 0)
	// The value formats are undocumented (reference §1.4): plain integers and
	// the window length in seconds.
	hdr.Set("X-Ratelimit-Limit", strconv.Itoa(shown))
	hdr.Set("X-Ratelimit-Remaining", strconv.Itoa(remaining))
	hdr.Set("X-Ratelimit-Interval", strconv.Itoa(int(rateInterval/time.Second))+"s")
	if limit > 0 && w.count > limit {
		rep := fail(http.StatusTooManyRequests, codeRateLimited, "Too many requests for this API key; retry after the rate-limit interval")
		return &rep
	}
	return nil
}
