package early

import "testing"

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
