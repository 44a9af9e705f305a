package tools_test

import (
	"fmt"
	"strings"
	"testing"
)

// A large check_privileges request full of unknown names must cost little
// and answer little: it is a read, allowed in read-only mode, so anyone who
// can call a tool can send it. Before the bound, 50 KB of names answered
// 9.4 MB (the whole list of valid names repeated for every unknown one).
func TestCheckPrivilegesUnknownNamesAnswerIsBounded(t *testing.T) {
	h := esHarness(t, "stack")
	// Within the argument limits: 100 cluster names and 100 index
	// privileges of 100 characters each (about 20 KB), all unknown.
	var cluster, index []any
	for i := range 100 {
		cluster = append(cluster, fmt.Sprintf("x%03d_%s", i, strings.Repeat("q", 95)))
		index = append(index, fmt.Sprintf("y%03d_%s", i, strings.Repeat("z", 95)))
	}
	text := h.CallErr(t, "check_privileges", map[string]any{"cluster": cluster,
		"indices": []any{map[string]any{"names": []any{"logs-*"}, "privileges": index}}})
	mustContain(t, text, "unknown cluster privilege", "valid cluster privileges", "valid index privileges", "and 190 more unknown privilege names")
	if len(text) > 8<<10 {
		t.Errorf("the refusal of 200 unknown names is %d bytes; it must stay small (under 8 KB)", len(text))
	}
	if n := strings.Count(text, "manage_security"); n > 1 {
		t.Errorf("the list of valid names is repeated %d times", n)
	}
}

// Beyond the limits the request is refused before any work, naming the
// limit, and the refusal does not echo the input.
func TestCheckPrivilegesArgumentLimits(t *testing.T) {
	h := esHarness(t, "stack")
	many := make([]any, 2000)
	for i := range many {
		many[i] = fmt.Sprintf("monitor_%d_%s", i, strings.Repeat("x", 16))
	}
	long := strings.Repeat("y", 50<<10)
	for name, args := range map[string]map[string]any{
		"2000 cluster names":    {"cluster": many},
		"one 50 KB name":        {"cluster": []any{long}},
		"2000 index privileges": {"indices": []any{map[string]any{"names": []any{"logs-*"}, "privileges": many}}},
		"2000 index names":      {"indices": []any{map[string]any{"names": many, "privileges": []any{"read"}}}},
	} {
		text := h.CallErr(t, "check_privileges", args)
		if !strings.Contains(text, "at most") {
			t.Errorf("%s: the refusal does not name the limit: %.300s", name, text)
		}
		if len(text) > 4<<10 {
			t.Errorf("%s: the refusal is %d bytes", name, len(text))
		}
	}
}
