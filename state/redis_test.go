package state

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/elastic-access-mcp/elastic-access-mcp/state/statetest"
)

// replicas opens n stores on the same server, as n server replicas would.
func replicas(t *testing.T, srv *statetest.Server, ring *Keyring, n int) []Store {
	t.Helper()
	out := make([]Store, n)
	for i := range out {
		s, err := Open(srv.URL(), ring)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		out[i] = s
	}
	return out
}

// waitHealthy waits until every store answers again after a restart. The client notices a returned server on its
// next dial attempt, at most about a second later.
func waitHealthy(t *testing.T, stores ...Store) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for _, s := range stores {
		for {
			err := s.Health(context.Background())
			if err == nil {
				break
			}
			if !errors.Is(err, ErrUnavailable) || time.Now().After(deadline) {
				t.Fatalf("the store did not recover: %v (%v)", err, errors.Unwrap(err))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func rawClient(t *testing.T, srv *statetest.Server) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: srv.Addr(), Protocol: 2, DisableIdentity: true})
	t.Cleanup(func() { c.Close() })
	return c
}

func TestRacingReplicasRedeemANonceExactlyOnce(t *testing.T) {
	eachReplicaPair(t, testRacingRedeem)
}

func testRacingRedeem(t *testing.T, a, b Store) {
	stores := []Store{a, b}
	ctx := context.Background()
	issued, err := stores[0].IssueTime(ctx)
	if err != nil {
		t.Fatal(err)
	}

	const racers = 64
	var wins, used atomic.Int32
	var others sync.Map
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < racers; i++ {
		wg.Add(1)
		go func(s Store) {
			defer wg.Done()
			<-start
			switch err := s.RedeemOnce(ctx, "the-nonce", issued, time.Minute); {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, ErrAlreadyUsed):
				used.Add(1)
			default:
				others.Store(err.Error(), true)
			}
		}(stores[i%2])
	}
	close(start)
	wg.Wait()
	others.Range(func(k, _ any) bool { t.Errorf("unexpected error: %v", k); return true })
	if wins.Load() != 1 || used.Load() != racers-1 {
		t.Fatalf("%d redemptions succeeded and %d were refused as used; want 1 and %d", wins.Load(), used.Load(), racers-1)
	}
}

func TestRacingReplicasTakeALinkExactlyOnce(t *testing.T) {
	eachReplicaPair(t, testRacingTake)
}

func testRacingTake(t *testing.T, a, b Store) {
	stores := []Store{a, b}
	ctx := context.Background()
	if err := stores[0].PutLink(ctx, "link", []byte("the secret"), time.Minute); err != nil {
		t.Fatal(err)
	}
	const racers = 64
	var got atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < racers; i++ {
		wg.Add(1)
		go func(s Store) {
			defer wg.Done()
			<-start
			sec, ok, err := s.TakeLink(ctx, "link")
			if err != nil {
				t.Errorf("take: %v", err)
			}
			if ok {
				got.Add(1)
				if string(sec) != "the secret" {
					t.Errorf("took %q", sec)
				}
			}
		}(stores[i%2])
	}
	close(start)
	wg.Wait()
	if got.Load() != 1 {
		t.Fatalf("the link was handed out %d times, want once", got.Load())
	}
}

func TestLinkSecretIsNeverStoredInClear(t *testing.T) {
	srv := statetest.StartRedis(t)
	s := replicas(t, srv, testKeyring(t, keyA), 1)[0]
	ctx := context.Background()
	const id, secret = "Link-Id-Visible", "clear-text-secret-value"
	if err := s.PutLink(ctx, id, []byte(secret), time.Minute); err != nil {
		t.Fatal(err)
	}
	raw := rawClient(t, srv)
	keys, err := raw.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	var linkKey string
	for _, k := range keys {
		if strings.Contains(k, id) {
			t.Fatalf("the link id is readable in the store's key %q", k)
		}
		if strings.Contains(k, ":link:") {
			linkKey = k
		}
	}
	if linkKey == "" {
		t.Fatalf("no link record among %v", keys)
	}
	val, err := raw.Get(ctx, linkKey).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(val), secret) || len(val) <= len(secret) {
		t.Fatalf("the stored value is not sealed: %q", val)
	}
	if ttl := raw.PTTL(ctx, linkKey).Val(); ttl <= 0 || ttl > time.Minute {
		t.Fatalf("the record's TTL is %v, want the link's lifetime", ttl)
	}

	// A sealed value copied under another id does not open there: the id is bound into the seal.
	if err := raw.Set(ctx, storeKey("link", "another-id"), val, time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.TakeLink(ctx, "another-id"); ok || !errors.Is(err, ErrUnreadable) {
		t.Fatalf("copied ciphertext: ok=%v err=%v; want ErrUnreadable", ok, err)
	}
	if sec, ok, err := s.TakeLink(ctx, id); !ok || err != nil || string(sec) != secret {
		t.Fatalf("the original link: %q %v %v", sec, ok, err)
	}
}

func TestKeyRotationReadsWithThePreviousKey(t *testing.T) {
	srv := statetest.StartRedis(t)
	a, _ := ParseKey(keyA)
	b, _ := ParseKey(keyB)
	ring := func(cur, prev []byte) *Keyring {
		r, err := NewKeyring(cur, prev)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	old := replicas(t, srv, ring(a, nil), 1)[0]     // not yet rotated
	rotating := replicas(t, srv, ring(b, a), 1)[0]  // new key, old one still read
	preparing := replicas(t, srv, ring(a, b), 1)[0] // first rotation step: reads the new key before anyone writes it
	onlyNew := replicas(t, srv, ring(b, nil), 1)[0] // rotation finished
	ctx := context.Background()

	put := func(s Store, id string) {
		t.Helper()
		if err := s.PutLink(ctx, id, []byte("secret "+id), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	put(old, "written-with-a")
	if sec, ok, err := rotating.TakeLink(ctx, "written-with-a"); !ok || err != nil || string(sec) != "secret written-with-a" {
		t.Fatalf("rotating replica reading the previous key: %q %v %v", sec, ok, err)
	}
	put(rotating, "written-with-b")
	if sec, ok, err := preparing.TakeLink(ctx, "written-with-b"); !ok || err != nil || string(sec) != "secret written-with-b" {
		t.Fatalf("prepared replica reading the new key: %q %v %v", sec, ok, err)
	}

	// A replica without the sealing key cannot read, and the secret is gone for everyone rather than left for a
	// second attempt.
	put(old, "stranded")
	if _, ok, err := onlyNew.TakeLink(ctx, "stranded"); ok || !errors.Is(err, ErrUnreadable) {
		t.Fatalf("replica without the key: ok=%v err=%v; want ErrUnreadable", ok, err)
	}
	if _, ok, _ := rotating.TakeLink(ctx, "stranded"); ok {
		t.Fatal("an unreadable take left the secret behind")
	}
}

func TestStoreOutageGivesTypedErrorsAndRecovers(t *testing.T) {
	srv := statetest.StartRedis(t)
	stores := replicas(t, srv, testKeyring(t, keyA), 2)
	a, b := stores[0], stores[1]
	ctx := context.Background()

	issuedBefore, err := a.IssueTime(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.RedeemOnce(ctx, "used-before", issuedBefore, time.Minute); err != nil {
		t.Fatal(err)
	}
	unusedIssued, _ := a.IssueTime(ctx)
	if err := a.PutLink(ctx, "pending", []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}

	srv.Stop()
	for _, s := range stores {
		if err := s.Health(ctx); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("health while stopped: %v", err)
		}
		if err := s.RedeemOnce(ctx, "fresh", unusedIssued, time.Minute); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("redeem while stopped: %v", err)
		}
		if _, ok, err := s.TakeLink(ctx, "pending"); ok || !errors.Is(err, ErrUnavailable) {
			t.Fatalf("take while stopped: ok=%v err=%v", ok, err)
		}
		if err := s.PutLink(ctx, "new", []byte("v"), time.Minute); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("put while stopped: %v", err)
		}
		if _, err := s.IssueTime(ctx); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("issue while stopped: %v", err)
		}
	}

	srv.Start() // a restart without persistence: everything the store held is gone
	waitHealthy(t, stores...)
	// The store forgot which nonces were used, so approvals issued before cannot be vouched for: refused, used or not.
	for _, n := range []string{"used-before", "fresh"} {
		if err := b.RedeemOnce(ctx, n, unusedIssued, time.Minute); !errors.Is(err, ErrIssuedBeforeReset) {
			t.Fatalf("redeeming %s issued before the restart: got %v, want ErrIssuedBeforeReset", n, err)
		}
	}
	if _, ok, err := b.TakeLink(ctx, "pending"); ok || err != nil {
		t.Fatalf("a link from before the restart: ok=%v err=%v", ok, err)
	}
	// New approvals work again, once.
	issued, err := b.IssueTime(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.RedeemOnce(ctx, "after", issued, time.Minute); err != nil {
		t.Fatalf("redeem after recovery: %v", err)
	}
	if err := b.RedeemOnce(ctx, "after", issued, time.Minute); !errors.Is(err, ErrAlreadyUsed) {
		t.Fatalf("replay after recovery: %v", err)
	}
}

// Workers on two replicas use the store; it stops and comes back while they run. Before the stop, each nonce is
// redeemed exactly once; while it is down every call fails with ErrUnavailable; after the restart, fresh approvals
// are again redeemed exactly once.
func TestStoreStoppedMidRunNeverDoubleRedeems(t *testing.T) {
	srv := statetest.StartRedis(t)
	stores := replicas(t, srv, testKeyring(t, keyA), 2)
	ctx := context.Background()
	issued, err := stores[0].IssueTime(ctx)
	if err != nil {
		t.Fatal(err)
	}

	const workers, nonces = 8, 20
	var wins [3][nonces]atomic.Int32
	var down, up sync.WaitGroup // workers reached the stop, and the restart
	down.Add(workers)
	up.Add(workers)
	stopped, restarted := make(chan struct{}), make(chan struct{})
	var issuedAfter time.Time
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(s Store) {
			defer wg.Done()
			for phase := 0; phase < 3; phase++ {
				when := issued
				if phase == 2 {
					when = issuedAfter
				}
				for i := 0; i < nonces; i++ {
					// Every worker tries the same nonces: each may be redeemed once overall.
					err := s.RedeemOnce(ctx, fmt.Sprintf("phase%d-%d", phase, i), when, time.Minute)
					switch {
					case err == nil:
						wins[phase][i].Add(1)
					case phase == 1 && errors.Is(err, ErrUnavailable):
					case phase != 1 && errors.Is(err, ErrAlreadyUsed):
					default:
						t.Errorf("phase %d: unexpected result %v", phase, err)
					}
				}
				switch phase {
				case 0:
					down.Done()
					<-stopped
				case 1:
					up.Done()
					<-restarted
				}
			}
		}(stores[w%2])
	}
	down.Wait()
	srv.Stop()
	close(stopped)
	up.Wait()
	srv.Start()
	waitHealthy(t, stores...)
	if issuedAfter, err = stores[1].IssueTime(ctx); err != nil {
		t.Fatalf("issue after the restart: %v (%v)", err, errors.Unwrap(err))
	}
	close(restarted)
	wg.Wait()

	for phase, want := range []int32{1, 0, 1} {
		for i := range wins[phase] {
			if got := wins[phase][i].Load(); got != want {
				t.Errorf("phase %d nonce %d redeemed %d times, want %d", phase, i, got, want)
			}
		}
	}
	// What was used before the outage stays refused: the store forgot it, so it refuses to vouch.
	if err := stores[0].RedeemOnce(ctx, "phase0-0", issued, time.Minute); !errors.Is(err, ErrIssuedBeforeReset) {
		t.Fatalf("replaying a pre-outage approval: got %v, want ErrIssuedBeforeReset", err)
	}
}

// A store that accepts connections but never answers (a hung server, a black-holed network) must not hang the
// call: the caller's deadline ends it with ErrUnavailable.
func TestHungStoreFailsWithinTheCallersDeadline(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var held []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c) // read nothing, answer nothing
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	}()
	s, err := Open("redis://"+l.Addr().String()+"/0", testKeyring(t, keyA))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := s.RedeemOnce(ctx, "n", time.Now(), time.Minute); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("got %v, want ErrUnavailable", err)
	}
	if err := s.Health(ctx); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("health: got %v, want ErrUnavailable", err)
	}
}

func TestHealthRefusesAStoreThatEvicts(t *testing.T) {
	srv := statetest.StartRedis(t)
	s := replicas(t, srv, testKeyring(t, keyA), 1)[0]
	ctx := context.Background()
	if err := s.Health(ctx); err != nil {
		t.Fatalf("a default server (noeviction): %v", err)
	}
	raw := rawClient(t, srv)
	for _, policy := range []string{"allkeys-lru", "volatile-ttl"} {
		if err := raw.ConfigSet(ctx, "maxmemory-policy", policy).Err(); err != nil {
			t.Fatal(err)
		}
		err := s.Health(ctx)
		if !errors.Is(err, ErrEvicting) || !strings.Contains(err.Error(), "noeviction") {
			t.Fatalf("%s: got %v, want ErrEvicting saying what to set", policy, err)
		}
	}
}

func TestRedisRecordsExpire(t *testing.T) {
	srv := statetest.StartRedis(t)
	s := replicas(t, srv, testKeyring(t, keyA), 1)[0]
	ctx := context.Background()
	if err := s.PutLink(ctx, "short", []byte("v"), 30*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		ok, err := s.HasLink(ctx, "short")
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a link outlived its lifetime by seconds")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, ok, _ := s.TakeLink(ctx, "short"); ok {
		t.Fatal("an expired link was handed out")
	}
}
