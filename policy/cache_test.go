package policy

import (
	"fmt"
	"sync"
	"testing"
)

// The literal and "*" shortcuts must accept exactly what the general
// construction accepts.
func TestLiteralShortcutMatchesConstruction(t *testing.T) {
	for _, p := range []string{"", "a", "logs-2024", ".security", "-foo", "a b", "*"} {
		fast, err := compilePattern(p)
		if err != nil {
			t.Fatal(err)
		}
		n := &nfa{}
		slow := Set{n.determinize(wildcard(n, p))}
		if !fast.SubsetOf(slow) || !slow.SubsetOf(fast) {
			t.Errorf("pattern %q: shortcut and construction differ", p)
		}
		for _, name := range []string{"", "a", "logs-2024", "logs-20245", "logs-202", ".security", "-foo", "x"} {
			if fast.Contains(name) != slow.Contains(name) {
				t.Errorf("pattern %q, name %q: shortcut says %v", p, name, fast.Contains(name))
			}
		}
	}
}

// Lists whose joined text is the same must not share a cache entry.
func TestListKeysDoNotCollide(t *testing.T) {
	a := compiledList("index pattern", "", []string{"a\x00b"}, Pattern, nil)
	b := compiledList("index pattern", "", []string{"a", "b"}, Pattern, nil)
	if a.set.Contains("a") || !b.set.Contains("a") {
		t.Fatalf("lists [a\\x00b] and [a b] were confused")
	}
}

func TestCacheStaysBounded(t *testing.T) {
	var c boundedCache[string, int]
	for i := 0; i < 3*maxCacheEntries; i++ {
		c.put(fmt.Sprint(i), i, 1)
		if len(c.m) > maxCacheEntries || c.cost > maxCacheStates {
			t.Fatalf("after %d inserts: %d entries, cost %d", i+1, len(c.m), c.cost)
		}
	}
	c.put("huge", 0, maxCacheStates)
	if _, ok := c.get("huge"); ok {
		t.Fatal("an entry larger than the budget was kept")
	}
	for i := 0; i < 100; i++ {
		c.put(fmt.Sprint("big", i), i, maxCacheStates/8)
		if c.cost > maxCacheStates {
			t.Fatalf("cost %d over the budget", c.cost)
		}
	}
}

// Compiled roles share cached sets between goroutines; run with -race.
func TestConcurrentCompilationAgrees(t *testing.T) {
	r := role(t, `{"cluster":["monitor"],"indices":[{"names":["logs-*","metrics"],"privileges":["read"]}],"run_as":["svc-*"]}`)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, _ := NewPermission(NamedRole{Name: "r", Role: r})
			a, err := p.Index("logs-x", "read", false)
			if err != nil || !a.Allowed {
				t.Errorf("read on logs-x: %+v %v", a, err)
			}
			if ok, _ := p.RunAs("svc-1"); !ok {
				t.Error("run_as svc-1 refused")
			}
			if a, _ := p.Index(".security", "read", false); a.Allowed {
				t.Error("restricted index granted")
			}
		}()
	}
	wg.Wait()
}
