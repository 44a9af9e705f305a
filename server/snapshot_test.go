package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/redact"
	"github.com/elastic-access-mcp/elastic-access-mcp/server/servertest"
	"github.com/elastic-access-mcp/elastic-access-mcp/tools"
	"github.com/mark3labs/mcp-go/mcp"
)

// The tools/list answer is the product's interface to every model: a change
// to a name, description or schema must be deliberate. Each tool's
// declaration is one golden file, testdata/tools/<name>.json, so a change
// diffs one small file; each configuration's list of tool names, in order,
// is testdata/tools/lists/<configuration>.txt. Snapshots are rewritten only
// with UPDATE_SNAPSHOTS=1.
var snapshotConfigs = []struct {
	name string
	opts servertest.Options
}{
	{"default", servertest.Options{}},
	{"read-only", servertest.Options{Toolsets: []string{"all"}}},
	{"read-write", servertest.Options{AllowWrites: true}},
	{"all", servertest.Options{AllowDestructive: true}},
}

const snapshotHint = "review the difference and, if intended, run UPDATE_SNAPSHOTS=1 go test ./server -run TestToolSnapshots"

func TestToolSnapshots(t *testing.T) {
	update := os.Getenv("UPDATE_SNAPSHOTS") == "1"
	for _, sc := range snapshotConfigs {
		t.Run(sc.name, func(t *testing.T) {
			h := servertest.New(t, sc.opts)
			list, err := h.Client.ListTools(context.Background(), mcp.ListToolsRequest{})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, tl := range list.Tools {
				names = append(names, tl.Name)
				got, err := json.MarshalIndent(tl, "", "  ")
				if err != nil {
					t.Fatal(err)
				}
				checkGolden(t, update, filepath.Join("testdata", "tools", tl.Name+".json"), append(got, '\n'))
			}
			checkGolden(t, update, filepath.Join("testdata", "tools", "lists", sc.name+".txt"), []byte(strings.Join(names, "\n")+"\n"))
		})
	}
}

// checkGolden compares got with the file at path, or rewrites the file.
func checkGolden(t *testing.T, update bool, path string, got []byte) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no snapshot %s (create it with UPDATE_SNAPSHOTS=1 go test ./server -run TestToolSnapshots): %v", path, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s changed; %s\n%s", path, snapshotHint, firstDifference(string(want), string(got)))
	}
}

// TestNoStaleSnapshots keeps testdata/tools in step with the catalog: a
// golden file of a tool that no longer exists would otherwise linger.
func TestNoStaleSnapshots(t *testing.T) {
	known := map[string]bool{}
	for _, tl := range tools.All() {
		known[tl.Name+".json"] = true
	}
	files, err := filepath.Glob(filepath.Join("testdata", "tools", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !known[filepath.Base(f)] {
			t.Errorf("%s is the snapshot of no tool of the catalog; delete it", f)
		}
	}
	if len(files) != len(known) {
		t.Errorf("%d snapshots for %d tools; %s", len(files), len(known), snapshotHint)
	}
}

var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// TestEveryToolIsWellFormed checks the whole catalog, registered or not:
// all four annotations set, no union types (Gemini rejects them, and one bad
// tool breaks every request), a description, a snake_case name.
func TestEveryToolIsWellFormed(t *testing.T) {
	h := servertest.New(t, servertest.Options{AllowDestructive: true})
	list, err := h.Client.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Tools) != len(tools.All()) {
		t.Fatalf("with every plane configured and every tier allowed, %d of %d tools are listed", len(list.Tools), len(tools.All()))
	}
	seen := map[string]bool{}
	for _, tl := range list.Tools {
		if seen[tl.Name] {
			t.Errorf("duplicate tool %s", tl.Name)
		}
		seen[tl.Name] = true
		if !snakeCase.MatchString(tl.Name) {
			t.Errorf("%s: not a snake_case name", tl.Name)
		}
		if len(tl.Description) < 40 || tl.Title == "" {
			t.Errorf("%s: needs a title and a description written for a model", tl.Name)
		}
		a := tl.Annotations
		if a.ReadOnlyHint == nil || a.DestructiveHint == nil || a.IdempotentHint == nil || a.OpenWorldHint == nil {
			t.Errorf("%s: an annotation is not set explicitly: %+v", tl.Name, a)
		}
		raw, _ := json.Marshal(tl)
		var doc map[string]any
		_ = json.Unmarshal(raw, &doc)
		for _, key := range []string{"inputSchema", "outputSchema"} {
			if doc[key] == nil {
				t.Errorf("%s: no %s", tl.Name, key)
				continue
			}
			if path := findUnionType(doc[key], key); path != "" {
				t.Errorf("%s: union type at %s", tl.Name, path)
			}
		}
		if in, _ := doc["inputSchema"].(map[string]any); in["additionalProperties"] != false {
			t.Errorf("%s: input schema accepts unknown arguments", tl.Name)
		}
		// A result field named like a secret (key, token, secret, password...)
		// would be withheld by the redactor and the result would be garbled.
		for _, name := range propertyNames(doc["outputSchema"]) {
			probe := map[string]any{name: map[string]any{"detail": "x"}}
			if _, found := redact.Default().Value(probe); len(found) > 0 {
				t.Errorf("%s: result field %q has a secret's name; rename it (e.g. *_location for a secret reference)", tl.Name, name)
			}
		}
	}
}

func propertyNames(node any) []string {
	var out []string
	switch n := node.(type) {
	case map[string]any:
		if props, ok := n["properties"].(map[string]any); ok {
			for k := range props {
				out = append(out, k)
			}
		}
		for _, v := range n {
			out = append(out, propertyNames(v)...)
		}
	case []any:
		for _, v := range n {
			out = append(out, propertyNames(v)...)
		}
	}
	return out
}

func findUnionType(node any, path string) string {
	switch n := node.(type) {
	case map[string]any:
		if _, isList := n["type"].([]any); isList {
			return path + ".type"
		}
		for k, v := range n {
			if p := findUnionType(v, path+"."+k); p != "" {
				return p
			}
		}
	case []any:
		for _, v := range n {
			if p := findUnionType(v, path+"[]"); p != "" {
				return p
			}
		}
	}
	return ""
}

func firstDifference(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + itoa(i+1) + ":\n  snapshot: " + w + "\n  now:      " + g
		}
	}
	return ""
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
