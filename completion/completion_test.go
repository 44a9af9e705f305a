package completion

import (
	"fmt"
	"slices"
	"testing"
)

func TestMatchIsCaseInsensitiveAndBounded(t *testing.T) {
	got := Match([]string{"Alice", "alina", "bob"}, "AL")
	if !slices.Equal(got.Values, []string{"Alice", "alina"}) || got.Total != 2 || got.HasMore {
		t.Fatalf("got %+v", got)
	}
	var many []string
	for i := range MaxValues + 5 {
		many = append(many, fmt.Sprintf("r%03d", i))
	}
	got = Match(many, "")
	if len(got.Values) != MaxValues || got.Total != MaxValues+5 || !got.HasMore {
		t.Fatalf("got %d values, total %d, hasMore %v", len(got.Values), got.Total, got.HasMore)
	}
	if got := Match(nil, "x"); got.Values == nil {
		t.Fatal("no matches must be an empty list, not null")
	}
}
