package early

import (
	"errors"
	"testing"
)

func TestCommandIsWhatMainRuns(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "stdio"},
		{[]string{"stdio"}, "stdio"},
		{[]string{"--sandbox", "--allow-writes"}, "stdio"}, // flags alone: the default command
		{[]string{"call", "whoami"}, "call"},
		{[]string{"http", "--listen", "127.0.0.1:0"}, "http"},
		{[]string{"sandbox"}, "sandbox"},
		{[]string{"-test.run=X"}, ""}, // a test binary: leave its runtime alone
	} {
		if got := command(tc.args); got != tc.want {
			t.Errorf("command(%q) = %q, want %q", tc.args, got, tc.want)
		}
	}
}

func TestServingGC(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	files := func(m map[string]string) func(string) ([]byte, error) {
		return func(p string) ([]byte, error) {
			if v, ok := m[p]; ok {
				return []byte(v), nil
			}
			return nil, errors.New("no such file")
		}
	}
	const gib = 1 << 30
	for _, tc := range []struct {
		name       string
		env, files map[string]string
		percent    int
		limit      int64
	}{
		{"no container", nil, nil, servingGCPercent, 0},
		{"cgroup v2 without a limit", nil, map[string]string{"/sys/fs/cgroup/memory.max": "max\n"}, servingGCPercent, 0},
		{"cgroup v2 limit", nil, map[string]string{"/sys/fs/cgroup/memory.max": "1073741824\n"}, servingGCPercent, gib / 10 * 7},
		{"cgroup v1 limit", nil, map[string]string{"/sys/fs/cgroup/memory/memory.limit_in_bytes": "1073741824"}, servingGCPercent, gib / 10 * 7},
		{"cgroup v1 without a limit", nil, map[string]string{"/sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712"}, servingGCPercent, 0},
		{"a service's own cgroup (v2)", nil, map[string]string{"/proc/self/cgroup": "0::/system.slice/mcp.service\n",
			"/sys/fs/cgroup/system.slice/mcp.service/memory.max": "1073741824", "/sys/fs/cgroup/memory.max": "max"}, servingGCPercent, gib / 10 * 7},
		{"a host-mounted v1 hierarchy", nil, map[string]string{"/proc/self/cgroup": "12:cpu,cpuacct:/x\n4:memory:/process_api/42\n",
			"/sys/fs/cgroup/memory/process_api/42/memory.limit_in_bytes": "1073741824",
			"/sys/fs/cgroup/memory/memory.limit_in_bytes":                "9223372036854771712"}, servingGCPercent, gib / 10 * 7},
		{"the operator's GOGC", map[string]string{"GOGC": "50"}, map[string]string{"/sys/fs/cgroup/memory.max": "1073741824"}, 50, 0},
		{"the operator's GOMEMLIMIT", map[string]string{"GOMEMLIMIT": "1GiB"}, nil, 50, 0},
	} {
		p, l := servingGC(env(tc.env), files(tc.files), 50)
		if p != tc.percent || l != tc.limit {
			t.Errorf("%s: percent %d, limit %d; want %d, %d", tc.name, p, l, tc.percent, tc.limit)
		}
	}
}

func TestTestBinariesAreLeftAlone(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"/tmp/go-build1/b001/early.test", "-test.v"}, true},
		{[]string{`C:\\build\\server.test.exe`}, true},
		{[]string{"/tmp/bench", "-test.run=^$", "-test.bench=."}, true}, // go test -c -o bench
		{[]string{"/usr/local/bin/elastic-access-mcp", "http"}, false},
		{[]string{"elastic-access-mcp"}, false},
	} {
		if got := testBinary(tc.args); got != tc.want {
			t.Errorf("testBinary(%q) = %v, want %v", tc.args, got, tc.want)
		}
	}
}
