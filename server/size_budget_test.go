package server_test

import (
	"bytes"
	"encoding/json"
	"sort"
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
)

// What a model reads of tools/list is each tool's name, title,
// description, input schema and annotations; it is paid for in context on
// every turn. These budgets keep the catalog lean: the average under
// the 1,000 bytes a tool, and no single tool a wall of text. Grow a tool
// only by shortening another.
const (
	averageToolBudget = 1000 // bytes, over the whole catalog
	singleToolBudget  = 3000 // bytes, any one tool
)

// modelFacing is each tool's model-facing part as tools/list sends it.
func modelFacing(t *testing.T, h *servertest.Harness) map[string]int {
	var buf bytes.Buffer
	if err := h.Server.ToolsJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var resp struct {
		Result struct {
			Tools []map[string]json.RawMessage `json:"tools"`
		} `json:"result"`
	}
	if err := json.Unmarshal(buf.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, tl := range resp.Result.Tools {
		part := map[string]json.RawMessage{}
		for _, k := range []string{"name", "title", "description", "inputSchema", "annotations"} {
			if v, ok := tl[k]; ok {
				part[k] = v
			}
		}
		b, _ := json.Marshal(part)
		var name string
		_ = json.Unmarshal(tl["name"], &name)
		out[name] = len(b)
	}
	return out
}

func TestModelFacingToolSizeStaysInBudget(t *testing.T) {
	h := servertest.New(t, servertest.Options{AllowWrites: true, AllowDestructive: true})
	sizes := modelFacing(t, h)
	if len(sizes) < 30 {
		t.Fatalf("only %d tools listed", len(sizes))
	}
	total := 0
	type sized struct {
		name string
		n    int
	}
	var all []sized
	for name, n := range sizes {
		total += n
		all = append(all, sized{name, n})
		if n > singleToolBudget {
			t.Errorf("%s: %d bytes model-facing, over the %d-byte budget for one tool; shorten its description or schema", name, n, singleToolBudget)
		}
	}
	avg := total / len(sizes)
	sort.Slice(all, func(i, j int) bool { return all[i].n > all[j].n })
	t.Logf("%d tools, %d bytes, average %d; largest: %v", len(sizes), total, avg, all[:5])
	if avg > averageToolBudget {
		t.Errorf("average model-facing size %d bytes per tool is over the %d-byte budget", avg, averageToolBudget)
	}
}
