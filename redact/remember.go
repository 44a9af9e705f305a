package redact

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
)

const (
	// maxRemembered bounds the exact-value set: a long-running server issues secrets for as long as it runs, and
	// the oldest ones are the least likely to show up in a later log line.
	maxRemembered = 1024
	// minRememberLen keeps short values out: scrubbing a 3-letter string would cut ordinary words out of every
	// result. Elasticsearch itself refuses passwords shorter than 6 characters.
	minRememberLen = 6
)

// memory holds the remembered secrets of a Redactor and of those derived from it with WithPlaceholder.
type memory struct {
	mu    sync.RWMutex
	memo  *memo        // nil until the first Remember
	count atomic.Int32 // lets scans skip the lock while nothing is remembered
}

// memo is the set of remembered secrets, indexed for scanning; memory.mu guards it.
type memo struct {
	order    []string            // remembered values, oldest first
	present  map[string]bool     // the values in order
	uses     map[string]int      // spelling -> how many remembered values produce it
	byPrefix map[uint16][]string // first two bytes -> spellings starting with them, longest first
	bits     [1 << 16 / 64]uint64
}

// Remember adds a secret that this process issued or handled (a generated password, a new API key, an
// invitation token) so that it is scrubbed by exact value from everything redacted later, even where its shape
// is unknown. It also scrubs the spellings the value takes once JSON- or URL-escaped. Values shorter than 6
// bytes are ignored. The set keeps the newest 1024 values. Safe for concurrent use.
func (r *Redactor) Remember(secret string) { r.memory().remember(secret) }

func (mem *memory) remember(secret string) {
	if len(secret) < minRememberLen {
		return
	}
	mem.mu.Lock()
	defer mem.mu.Unlock()
	if mem.memo == nil {
		mem.memo = &memo{present: map[string]bool{}, uses: map[string]int{}, byPrefix: map[uint16][]string{}}
	}
	m := mem.memo
	if m.present[secret] {
		return
	}
	if len(m.order) == maxRemembered {
		oldest := m.order[0]
		m.order = m.order[1:]
		delete(m.present, oldest)
		for _, v := range spellings(oldest) {
			m.remove(v)
		}
	}
	m.order = append(m.order, secret)
	m.present[secret] = true
	for _, v := range spellings(secret) {
		m.add(v)
	}
	mem.count.Store(int32(len(m.order)))
}

// find appends the spans of s that hold a remembered value. It locks per string rather than per walk, so that a
// Placeholder func may call Remember.
func (mem *memory) find(s string, spans []span) []span {
	if mem.count.Load() == 0 {
		return spans
	}
	mem.mu.RLock()
	defer mem.mu.RUnlock()
	return mem.memo.find(s, spans)
}

func (m *memo) add(v string) {
	m.uses[v]++
	if m.uses[v] > 1 {
		return
	}
	p := prefix16(v)
	list := m.byPrefix[p]
	// Longest first, so that at one position the whole escaped form wins over a shorter raw prefix.
	i := 0
	for i < len(list) && len(list[i]) >= len(v) {
		i++
	}
	list = append(list, "")
	copy(list[i+1:], list[i:])
	list[i] = v
	m.byPrefix[p] = list
	m.bits[p/64] |= 1 << (p % 64)
}

func (m *memo) remove(v string) {
	m.uses[v]--
	if m.uses[v] > 0 {
		return
	}
	delete(m.uses, v)
	p := prefix16(v)
	list := m.byPrefix[p]
	for i, x := range list {
		if x == v {
			list = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(m.byPrefix, p)
		m.bits[p/64] &^= 1 << (p % 64)
	} else {
		m.byPrefix[p] = list
	}
}

// spellings lists the forms a secret takes in text: as is, inside a JSON string (with and without HTML
// escaping), and percent-encoded in a URL query or path.
func spellings(s string) []string {
	out := []string{s}
	add := func(v string) {
		if len(v) >= minRememberLen && !containsString(out, v) {
			out = append(out, v)
		}
	}
	if b, err := json.Marshal(s); err == nil {
		add(string(b[1 : len(b)-1]))
	}
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	if enc.Encode(s) == nil {
		v := strings.TrimSuffix(sb.String(), "\n")
		add(v[1 : len(v)-1])
	}
	add(url.QueryEscape(s))
	add(url.PathEscape(s))
	return out
}

func prefix16(s string) uint16 { return uint16(s[0])<<8 | uint16(s[1]) }

func containsString(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// find appends the spans of s that hold a remembered value. A 64 Kbit table of two-byte prefixes keeps the cost
// to one bit test per byte, however many values are remembered.
func (m *memo) find(s string, spans []span) []span {
	if m == nil || len(m.order) == 0 {
		return spans
	}
	for i := 0; i+1 < len(s); i++ {
		p := uint16(s[i])<<8 | uint16(s[i+1])
		if m.bits[p/64]&(1<<(p%64)) == 0 {
			continue
		}
		for _, v := range m.byPrefix[p] {
			if strings.HasPrefix(s[i:], v) {
				spans = append(spans, span{i, i + len(v)})
				i += len(v) - 1
				break
			}
		}
	}
	return spans
}

// RememberCredential remembers a credential the server was configured with,
// in every encoding it can take on the wire or in an upstream echo: as is;
// without the Cloud "essu_" prefix; an Elasticsearch "id:key" pair, its
// base64 form and, the other way round, the pair an encoded key decodes to;
// and user:password as the base64 of Basic authentication. user may be "".
func (r *Redactor) RememberCredential(user, secret string) {
	secret = strings.TrimSpace(secret)
	if secret == "" {
		return
	}
	r.Remember(secret)
	if body, ok := strings.CutPrefix(secret, cloudKeyPrefix); ok {
		r.Remember(body)
	}
	if strings.Contains(secret, ":") {
		r.Remember(base64.StdEncoding.EncodeToString([]byte(secret)))
		r.Remember(base64.RawStdEncoding.EncodeToString([]byte(secret)))
		if _, key, ok := strings.Cut(secret, ":"); ok {
			r.Remember(key)
		}
	} else if dec, err := base64.StdEncoding.DecodeString(secret); err == nil {
		if _, key, ok := strings.Cut(string(dec), ":"); ok {
			r.Remember(string(dec))
			r.Remember(key)
		}
	}
	if user != "" {
		r.Remember(base64.StdEncoding.EncodeToString([]byte(user + ":" + secret)))
	}
}
