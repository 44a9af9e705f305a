package server_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
	"github.com/elastic-access-mcp/elastic-access-mcp/state/statetest"
)

// A bounded load test: 64 concurrent sessions spread over three replicas sharing Redis, each asking for and
// redeeming approvals, making links and reading, for a few rounds. No call may fail and no write may happen twice;
// then one approval replayed by all 64 at once across the replicas acts exactly once.
func TestReplicasUnderConcurrentLoad(t *testing.T) {
	if testing.Short() && os.Getenv("CI") != "true" {
		t.Skip("load test (-short); CI always runs it")
	}
	const sessions, rounds = 64, 3
	redis := statetest.StartRedis(t)
	rs := startReplicas(t, 3, redis.URL(), teamOpts, nil)
	hosts := rs.hosts()

	type session struct {
		rr  *roundRobin
		run func(ctx context.Context, name string, args map[string]any) (string, bool, error)
	}
	all := make([]session, sessions)
	for i := range all {
		c, rr := modernClient(t, hosts, i%len(hosts), nil, servertest.Accept)
		all[i] = session{rr: rr, run: func(ctx context.Context, name string, args map[string]any) (string, bool, error) {
			res, err := callTool(ctx, c, name, args)
			if err != nil {
				return "", false, err
			}
			return servertest.Text(res), res.IsError, nil
		}}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	errs := make(chan error, sessions*rounds*3)
	var wg sync.WaitGroup
	for i := range all {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				name := fmt.Sprintf("load-%02d-%d", i, r)
				for _, call := range []struct {
					tool string
					args map[string]any
				}{
					{"delete_probe", map[string]any{"name": name}},
					{"secret_probe", map[string]any{"name": name}},
					{"get_roles", map[string]any{"names": []any{"viewer"}}},
				} {
					text, isErr, err := all[i].run(ctx, call.tool, call.args)
					if err != nil || isErr {
						errs <- fmt.Errorf("session %d %s: %v %s", i, call.tool, err, text)
					}
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i := 0; i < sessions; i++ {
		for r := 0; r < rounds; r++ {
			if n := rs.ledger.count(fmt.Sprintf("load-%02d-%d", i, r)); n != 1 {
				t.Errorf("load-%02d-%d acted %d times, want 1", i, r, n)
			}
		}
	}

	// One held approval, replayed by every session at once on every replica: exactly one acts.
	first := all[0]
	first.rr.hold.Store(true)
	_, _, _ = first.run(ctx, "delete_probe", map[string]any{"name": "contended"})
	first.rr.hold.Store(false)
	held := first.rr.lastApproval(t)
	answers := make([]string, sessions)
	for i := range answers {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			answers[i] = replayNoFatal(hosts[i%len(hosts)], held)
		}(i)
	}
	wg.Wait()
	ok, used := 0, 0
	for _, a := range answers {
		switch {
		case strings.Contains(a, "already used"):
			used++
		case strings.Contains(a, `"done":"contended"`):
			ok++
		}
	}
	if n := rs.ledger.count("contended"); n != 1 || ok != 1 || used != sessions-1 {
		t.Fatalf("contended approval: acted %d, %d successes, %d refusals as used (want 1, 1, %d)", n, ok, used, sessions-1)
	}
}
