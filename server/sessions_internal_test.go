package server

import (
	"testing"
	"time"
)

func TestSessionRegistryBoundsAndExpires(t *testing.T) {
	now := time.Unix(1000, 0)
	r := newSessionRegistry(time.Minute, 3)
	r.now = func() time.Time { return now }
	a := r.Generate()
	now = now.Add(time.Second)
	b := r.Generate()
	now = now.Add(time.Second)
	c := r.Generate()
	now = now.Add(time.Second)
	if _, err := r.Validate(a); err != nil { // a is now the most recently used
		t.Fatal(err)
	}
	d := r.Generate() // at the bound: b, the least recently used, goes
	if r.Len() != 3 {
		t.Fatalf("%d sessions kept, bound is 3", r.Len())
	}
	if _, err := r.Validate(b); err == nil {
		t.Error("the least recently used session was kept beyond the bound")
	}
	for _, id := range []string{a, c, d} {
		if _, err := r.Validate(id); err != nil {
			t.Errorf("live session %s refused: %v", id, err)
		}
	}
	now = now.Add(2 * time.Minute)
	if _, err := r.Validate(a); err == nil {
		t.Error("an idle session did not expire")
	}
	if r.Len() != 0 {
		t.Errorf("%d sessions left after expiry", r.Len())
	}
}
