package state

import (
	"context"
	"errors"
	"sync"
	"time"
)

// sweepEvery bounds how often expired records are dropped; between sweeps, lookups ignore expired records.
const sweepEvery = time.Minute

// Memory is the store of a single replica: everything lives in this process and dies with it.
type Memory struct {
	seal *sealer

	mu        sync.Mutex
	now       func() time.Time
	epoch     time.Time // when this store's memory began; approvals issued earlier are refused
	nextSweep time.Time
	nonces    map[string]time.Time // key -> expiry
	links     map[string]memLink
	counters  map[string]memCounter
}

type memLink struct {
	sealed  []byte
	expires time.Time
}

type memCounter struct {
	n       int64
	resetAt time.Time
}

// NewMemory returns an empty memory store. keys may be nil; secrets are then sealed with a random key of this
// process.
func NewMemory(keys *Keyring) *Memory {
	if keys == nil {
		keys = ephemeralKeyring()
	}
	now := time.Now()
	return &Memory{
		seal:      newSealer(keys),
		now:       time.Now,
		epoch:     toMilli(now),
		nextSweep: now.Add(sweepEvery),
		nonces:    map[string]time.Time{},
		links:     map[string]memLink{},
		counters:  map[string]memCounter{},
	}
}

// SetClock replaces the clock, for tests. The store's memory is taken to begin at the new clock's present.
func (m *Memory) SetClock(now func() time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.now = now
	m.epoch = toMilli(now())
	m.nextSweep = m.epoch.Add(sweepEvery)
}

func (m *Memory) Kind() string { return "memory" }

func (m *Memory) Health(ctx context.Context) error { return ctx.Err() }

func (m *Memory) Close() error { return nil }

func (m *Memory) IssueTime(ctx context.Context) (time.Time, error) {
	if err := ctx.Err(); err != nil {
		return time.Time{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return toMilli(m.now()), nil
}

// toMilli drops what a Unix-millisecond round trip drops, so that an issue time sealed into an approval compares
// equal after it comes back.
func toMilli(t time.Time) time.Time { return time.UnixMilli(t.UnixMilli()) }

func (m *Memory) RedeemOnce(ctx context.Context, nonce string, issued time.Time, ttl time.Duration) error {
	if err := checkTTL(ttl); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.sweepLocked()
	if issued.UnixMilli() < m.epoch.UnixMilli() {
		return ErrIssuedBeforeReset
	}
	k := storeKey("nonce", nonce)
	if exp, ok := m.nonces[k]; ok && now.Before(exp) {
		return ErrAlreadyUsed
	}
	m.nonces[k] = now.Add(ttl)
	return nil
}

func (m *Memory) PutLink(ctx context.Context, id string, secret []byte, ttl time.Duration) error {
	if err := checkTTL(ttl); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	sealed := m.seal.seal(secret, linkBinding(id))
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.sweepLocked()
	k := storeKey("link", id)
	if l, ok := m.links[k]; ok && now.Before(l.expires) {
		return errors.New("a secret link with this id is already pending")
	}
	m.links[k] = memLink{sealed: sealed, expires: now.Add(ttl)}
	return nil
}

func (m *Memory) TakeLink(ctx context.Context, id string) ([]byte, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	m.mu.Lock()
	k := storeKey("link", id)
	l, ok := m.links[k]
	delete(m.links, k)
	live := ok && m.now().Before(l.expires)
	m.mu.Unlock()
	if !live {
		return nil, false, nil
	}
	plain, err := m.seal.open(l.sealed, linkBinding(id))
	if err != nil {
		return nil, false, err
	}
	return plain, true, nil
}

func (m *Memory) HasLink(ctx context.Context, id string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	l, ok := m.links[storeKey("link", id)]
	return ok && m.now().Before(l.expires), nil
}

func (m *Memory) Incr(ctx context.Context, key string, window time.Duration) (int64, time.Duration, error) {
	if err := checkTTL(window); err != nil {
		return 0, 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.sweepLocked()
	k := storeKey("rate", key)
	c, ok := m.counters[k]
	if !ok || !now.Before(c.resetAt) {
		c = memCounter{resetAt: now.Add(window)}
	}
	c.n++
	m.counters[k] = c
	return c.n, c.resetAt.Sub(now), nil
}

// sweepLocked drops expired records at most once per sweepEvery and returns the current time. Writes call it, so
// memory stays bounded without a background goroutine.
func (m *Memory) sweepLocked() time.Time {
	now := m.now()
	if now.Before(m.nextSweep) {
		return now
	}
	m.nextSweep = now.Add(sweepEvery)
	for k, exp := range m.nonces {
		if !now.Before(exp) {
			delete(m.nonces, k)
		}
	}
	for k, l := range m.links {
		if !now.Before(l.expires) {
			delete(m.links, k)
		}
	}
	for k, c := range m.counters {
		if !now.Before(c.resetAt) {
			delete(m.counters, k)
		}
	}
	return now
}
