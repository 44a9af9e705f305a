package state

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/state/statetest"
)

func testKeyring(t *testing.T, hexKey string) *Keyring {
	t.Helper()
	k, err := ParseKey(hexKey)
	if err != nil {
		t.Fatal(err)
	}
	ring, err := NewKeyring(k, nil)
	if err != nil {
		t.Fatal(err)
	}
	return ring
}

const (
	keyA = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	keyB = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"
)

// eachStore runs the same behaviour against the memory store and a real Redis, since the server relies on both
// meaning the same thing.
func eachStore(t *testing.T, run func(t *testing.T, s Store)) {
	t.Run("memory", func(t *testing.T) {
		run(t, NewMemory(testKeyring(t, keyA)))
	})
	t.Run("redis", func(t *testing.T) {
		srv := statetest.StartRedis(t)
		s, err := Open(srv.URL(), testKeyring(t, keyA))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		run(t, s)
	})
}

// eachReplicaPair is eachStore with two clients of one store: two Redis clients play two replicas; the memory
// store, which serves one replica, is shared by two callers.
func eachReplicaPair(t *testing.T, run func(t *testing.T, a, b Store)) {
	t.Run("memory", func(t *testing.T) {
		m := NewMemory(testKeyring(t, keyA))
		run(t, m, m)
	})
	t.Run("redis", func(t *testing.T) {
		srv := statetest.StartRedis(t)
		s := replicas(t, srv, testKeyring(t, keyA), 2)
		run(t, s[0], s[1])
	})
}

func TestRedeemOnceAcceptsANonceOnlyOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		issued, err := s.IssueTime(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RedeemOnce(ctx, "nonce-1", issued, time.Minute); err != nil {
			t.Fatalf("first redemption: %v", err)
		}
		if err := s.RedeemOnce(ctx, "nonce-1", issued, time.Minute); !errors.Is(err, ErrAlreadyUsed) {
			t.Fatalf("second redemption: got %v, want ErrAlreadyUsed", err)
		}
		if err := s.RedeemOnce(ctx, "nonce-2", issued, time.Minute); err != nil {
			t.Fatalf("another nonce: %v", err)
		}
	})
}

func TestRedeemOnceRefusesApprovalsIssuedBeforeTheStoreBegan(t *testing.T) {
	eachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		issued, err := s.IssueTime(ctx)
		if err != nil {
			t.Fatal(err)
		}
		err = s.RedeemOnce(ctx, "old", issued.Add(-time.Hour), time.Minute)
		if !errors.Is(err, ErrIssuedBeforeReset) {
			t.Fatalf("got %v, want ErrIssuedBeforeReset", err)
		}
	})
}

func TestBadLifetimeIsRefusedAndRecordsNothing(t *testing.T) {
	eachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		issued, _ := s.IssueTime(ctx)
		if err := s.RedeemOnce(ctx, "n", issued, 0); err == nil || errors.Is(err, ErrAlreadyUsed) {
			t.Fatalf("zero ttl: got %v, want a lifetime error", err)
		}
		if err := s.RedeemOnce(ctx, "n", issued, time.Minute); err != nil {
			t.Fatalf("the refused call recorded the nonce: %v", err)
		}
		if err := s.PutLink(ctx, "l", []byte("x"), -time.Second); err == nil {
			t.Fatal("negative link ttl accepted")
		}
		if ok, _ := s.HasLink(ctx, "l"); ok {
			t.Fatal("the refused put stored a link")
		}
		if _, _, err := s.Incr(ctx, "c", 0); err == nil {
			t.Fatal("zero window accepted")
		}
	})
}

func TestLinkIsHandedOutOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		if err := s.PutLink(ctx, "id-1", []byte("s3cret"), time.Minute); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.HasLink(ctx, "id-1"); err != nil || !ok {
			t.Fatalf("HasLink = %v, %v; want pending", ok, err)
		}
		got, ok, err := s.TakeLink(ctx, "id-1")
		if err != nil || !ok || string(got) != "s3cret" {
			t.Fatalf("first take = %q, %v, %v", got, ok, err)
		}
		if _, ok, err := s.TakeLink(ctx, "id-1"); err != nil || ok {
			t.Fatalf("second take: ok=%v err=%v; want gone", ok, err)
		}
		if ok, _ := s.HasLink(ctx, "id-1"); ok {
			t.Fatal("a taken link is still pending")
		}
		if _, ok, err := s.TakeLink(ctx, "never-put"); err != nil || ok {
			t.Fatalf("unknown id: ok=%v err=%v", ok, err)
		}
	})
}

func TestPutLinkNeverOverwrites(t *testing.T) {
	eachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		if err := s.PutLink(ctx, "dup", []byte("first"), time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := s.PutLink(ctx, "dup", []byte("second"), time.Minute); err == nil {
			t.Fatal("second put under the same id succeeded")
		}
		got, _, _ := s.TakeLink(ctx, "dup")
		if string(got) != "first" {
			t.Fatalf("got %q, want the first secret", got)
		}
	})
}

func TestIncrCountsWithinAWindow(t *testing.T) {
	eachStore(t, func(t *testing.T, s Store) {
		ctx := context.Background()
		for want := int64(1); want <= 3; want++ {
			n, reset, err := s.Incr(ctx, "alice", time.Minute)
			if err != nil || n != want {
				t.Fatalf("Incr = %d, %v; want %d", n, err, want)
			}
			if reset <= 0 || reset > time.Minute {
				t.Fatalf("resetIn = %v, want within the window", reset)
			}
		}
		if n, _, _ := s.Incr(ctx, "bob", time.Minute); n != 1 {
			t.Fatalf("bob's first hit counted %d; counters leak between callers", n)
		}
	})
}

func TestMemoryRecordsExpire(t *testing.T) {
	m := NewMemory(nil)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m.SetClock(func() time.Time { return now })
	ctx := context.Background()
	issued, _ := m.IssueTime(ctx)
	if err := m.RedeemOnce(ctx, "n", issued, time.Minute); err != nil {
		t.Fatal(err)
	}
	m.PutLink(ctx, "l", []byte("v"), time.Minute)
	m.Incr(ctx, "c", time.Minute)

	now = now.Add(2 * time.Minute)
	if ok, _ := m.HasLink(ctx, "l"); ok {
		t.Fatal("expired link still pending")
	}
	if _, ok, _ := m.TakeLink(ctx, "l"); ok {
		t.Fatal("expired link handed out")
	}
	if n, _, _ := m.Incr(ctx, "c", time.Minute); n != 1 {
		t.Fatalf("counter after its window = %d, want 1", n)
	}
	// The nonce's record may go once the approval it guards has expired; the Sealer refuses expired approvals.
	if err := m.RedeemOnce(ctx, "n", issued, time.Minute); err != nil {
		t.Fatalf("nonce after its ttl: %v", err)
	}
	if len(m.nonces) != 1 || len(m.links) != 0 {
		t.Fatalf("sweep left %d nonces and %d links", len(m.nonces), len(m.links))
	}
}

func TestMemorySealsSecrets(t *testing.T) {
	m := NewMemory(nil)
	ctx := context.Background()
	m.PutLink(ctx, "LinkIdXYZ", []byte("clear-text-secret"), time.Minute)
	if len(m.links) != 1 {
		t.Fatalf("%d links stored, want 1", len(m.links))
	}
	for k, l := range m.links {
		if strings.Contains(string(l.sealed), "clear-text-secret") || strings.Contains(k, "LinkIdXYZ") {
			t.Fatalf("memory holds the secret or the id in clear under %q", k)
		}
	}
}

func TestOpen(t *testing.T) {
	if s, err := Open("memory", nil); err != nil || s.Kind() != "memory" {
		t.Fatalf("memory: %v", err)
	}
	if _, err := Open("redis://127.0.0.1:1/0", nil); err == nil || !strings.Contains(err.Error(), EnvKey) {
		t.Fatalf("redis without a key: got %v, want an error naming %s", err, EnvKey)
	}
	_, err := Open("redis://user:hunter2@127.0.0.1:1/notanumber", testKeyring(t, keyA))
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("bad URL: got %v, want an error without the password", err)
	}
	_, err = Open("mysql://root:hunter2@db/x", nil)
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("unknown scheme: got %v, want an error without the password", err)
	}
}

func TestUnavailableErrorIsTypedAndSaysNothingWasDone(t *testing.T) {
	s, err := Open("redis://127.0.0.1:1/0", testKeyring(t, keyA)) // nothing listens on port 1
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	checks := map[string]error{
		"health": s.Health(ctx),
		"redeem": s.RedeemOnce(ctx, "n", time.Now(), time.Minute),
		"put":    s.PutLink(ctx, "l", []byte("v"), time.Minute),
	}
	_, _, checks["take"] = s.TakeLink(ctx, "l")
	_, checks["has"] = s.HasLink(ctx, "l")
	_, _, checks["incr"] = s.Incr(ctx, "c", time.Minute)
	_, checks["issue"] = s.IssueTime(ctx)
	for op, err := range checks {
		var ue *UnavailableError
		if !errors.Is(err, ErrUnavailable) || !errors.As(err, &ue) {
			t.Errorf("%s: got %v, want an UnavailableError", op, err)
			continue
		}
		if !strings.Contains(err.Error(), "nothing was done") || strings.Contains(err.Error(), "127.0.0.1") {
			t.Errorf("%s: message %q should say nothing was done and not name the store's address", op, err)
		}
		if ue.Unwrap() == nil {
			t.Errorf("%s: the cause is lost for the operator's log", op)
		}
	}
}

// The Sealer carries the issue time as Unix milliseconds; an approval issued in the store's first millisecond must
// survive that round trip.
func TestIssueTimeSurvivesAMillisecondRoundTrip(t *testing.T) {
	m := NewMemory(nil)
	start := time.Date(2026, 1, 1, 0, 0, 0, 700_000, time.UTC) // 0.7 ms into a millisecond
	m.SetClock(func() time.Time { return start })
	ctx := context.Background()
	issued, _ := m.IssueTime(ctx)
	if err := m.RedeemOnce(ctx, "n", time.UnixMilli(issued.UnixMilli()), time.Minute); err != nil {
		t.Fatalf("an approval issued at the store's start was refused: %v", err)
	}
	eachStore(t, func(t *testing.T, s Store) {
		issued, err := s.IssueTime(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RedeemOnce(ctx, "m", time.UnixMilli(issued.UnixMilli()), time.Minute); err != nil {
			t.Fatalf("after a round trip: %v", err)
		}
	})
}
