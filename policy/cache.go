package policy

import (
	"strconv"
	"strings"
	"sync"
)

// Compiling patterns into automata is the policy's main cost, and the same
// patterns come back again and again: every Evaluate validates and compiles
// the proposed role, re-reads the existing roles, and access reviews compile
// the same built-in roles once per project. Compiled sets are immutable (no
// operation changes a dfa after it is built), so they are shared between
// goroutines through these caches, keyed by the text they were compiled from.
//
// The caches are bounded because their keys come from untrusted input: when
// an insert would exceed the entry or state budget, the cache starts over.
// A state costs 1 KiB (256 transitions), so the state budget bounds memory.
const (
	maxCacheEntries = 4096
	maxCacheStates  = 16384
)

type cacheEntry[V any] struct {
	val  V
	cost int
}

// boundedCache maps text to a compiled value; clear-when-full keeps it simple
// and lets a burst of one-off patterns evict itself.
type boundedCache[K comparable, V any] struct {
	mu   sync.Mutex
	m    map[K]cacheEntry[V]
	cost int
}

func (c *boundedCache[K, V]) get(key K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	return e.val, ok
}

// put stores v; cost is the number of automaton states it keeps alive (a
// KiB of key text counts as one). Values too large for the budget on their
// own are not kept.
func (c *boundedCache[K, V]) put(key K, v V, cost int) {
	cost++
	if cost > maxCacheStates/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCacheEntries || c.cost+cost > maxCacheStates {
		c.m = make(map[K]cacheEntry[V])
		c.cost = 0
	}
	if old, ok := c.m[key]; ok {
		c.cost -= old.cost
	}
	c.m[key] = cacheEntry[V]{v, cost}
	c.cost += cost
}

func (s Set) states() int {
	if s.d == nil {
		return 0
	}
	return len(s.d.next)
}

type patternResult struct {
	set Set
	err error
}

var patternCache boundedCache[string, patternResult]

// listResult is the union of a list of names or privileges, with the ones
// that could not be resolved (already described for Permission.Unknown).
type listResult struct {
	set     Set
	unknown []string
}

var listCache boundedCache[string, listResult]

// compiledList returns the union of resolve over items, compiled once per
// kind and list; kind also names the items in unknown ("index pattern").
// finish, when not nil, transforms the union before it is stored; variant
// names the transformation in the key.
func compiledList(kind, variant string, items []string, resolve func(string) (Set, error), finish func(Set) Set) listResult {
	key := listKey(kind, variant, items)
	if r, ok := listCache.get(key); ok {
		return r
	}
	var r listResult
	for _, it := range items {
		s, err := resolve(it)
		if err != nil {
			r.unknown = append(r.unknown, kind+" "+it)
			continue
		}
		r.set = r.set.Union(s)
	}
	if finish != nil {
		r.set = finish(r.set)
	}
	listCache.put(key, r, r.set.states()+len(key)/1024)
	return r
}

// listKey encodes the items with their lengths, so that no two different
// lists share a key whatever bytes the names hold.
func listKey(kind, variant string, items []string) string {
	var b strings.Builder
	b.WriteString(kind)
	b.WriteByte(0)
	b.WriteString(variant)
	for _, it := range items {
		b.WriteByte(0)
		b.WriteString(strconv.Itoa(len(it)))
		b.WriteByte(':')
		b.WriteString(it)
	}
	return b.String()
}

// Operations on sets that came from the caches above meet the same operands
// again (the union of a project's cluster privileges, the overlap of each
// role with the risk sets), so their results are cached by operand identity.
// The key holds both operands, which the cost therefore counts.
type opKey struct {
	op   byte
	a, b *dfa
}

var (
	unionCache  boundedCache[opKey, *dfa]
	searchCache boundedCache[opKey, bool]
)

const (
	opUnion byte = iota
	opSubset
	opOverlap
)
