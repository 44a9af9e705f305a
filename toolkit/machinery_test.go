package toolkit

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

type sampleIn struct {
	Email    string   `json:"email" jsonschema:"the person's email" validate:"required,email"`
	Roles    []string `json:"roles,omitempty" jsonschema:"role names" validate:"omitempty,dive,esname"`
	Expires  string   `json:"expires,omitempty" validate:"omitempty,duration"`
	CloudRID string   `json:"role_id,omitempty" validate:"omitempty,cloudrole"`
	Limit    int      `json:"limit,omitempty" validate:"omitempty,gte=1,lte=100"`
	Nested   struct {
		Flag bool `json:"flag"`
	} `json:"nested,omitempty"`
}

type sampleOut struct {
	WriteReport
	Echo  string   `json:"echo"`
	Items []string `json:"items,omitempty"`
}

func sampleTool(h Handler[sampleIn, sampleOut]) Tool {
	return Define(Spec{Name: "sample_tool", Title: "Sample", Toolset: ToolsetUsers, Tier: Write}, h)
}

func echo(_ context.Context, _ *Call, in sampleIn) (sampleOut, error) {
	return sampleOut{Echo: in.Email}, nil
}

func invoke(t Tool, args map[string]any) (any, error) {
	return t.Invoke(context.Background(), &Env{Confirm: ConfirmElicit, Sealer: NewSealer(nil)}, CallOptions{Request: request(args)})
}

func TestUnknownArgumentsListValidOnes(t *testing.T) {
	_, err := invoke(sampleTool(echo), map[string]any{"email": "a@example.com", "emial": "x"})
	if err == nil {
		t.Fatal("unknown key accepted")
	}
	for _, want := range []string{`"emial"`, "email", "roles", "dry_run", "Nothing was changed"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestValidationMessagesNameTheArgument(t *testing.T) {
	cases := map[string]struct {
		args map[string]any
		want string
	}{
		"missing required": {map[string]any{}, "email is required"},
		"bad email":        {map[string]any{"email": "not-an-email"}, "not a valid email"},
		"bad role name":    {map[string]any{"email": "a@example.com", "roles": []any{" lead"}}, "roles[0]: names must be"},
		"bad duration":     {map[string]any{"email": "a@example.com", "expires": "30 days"}, "not a duration"},
		"bad cloud role":   {map[string]any{"email": "a@example.com", "role_id": "superuser"}, "not an Elastic Cloud role id"},
		"out of range":     {map[string]any{"email": "a@example.com", "limit": 1000}, "limit must be <= 100"},
		"wrong type":       {map[string]any{"email": 42}, `"email" must be a string`},
		"nested unknown":   {map[string]any{"email": "a@example.com", "nested": map[string]any{"flga": true}}, "could not be read"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := invoke(sampleTool(echo), tc.args)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
	if out, err := invoke(sampleTool(echo), map[string]any{"email": "a@example.com", "roles": []any{"logs-reader"}, "expires": "30d", "role_id": "elasticsearch-viewer"}); err != nil || out.(sampleOut).Echo != "a@example.com" {
		t.Fatalf("valid call failed: %v", err)
	}
}

func TestSchemasHaveNoUnionTypesAndRejectUnknownKeys(t *testing.T) {
	tool := sampleTool(echo)
	var in map[string]any
	if err := json.Unmarshal(tool.InputSchema(), &in); err != nil {
		t.Fatal(err)
	}
	if in["additionalProperties"] != false {
		t.Fatalf("input schema accepts unknown keys: %s", tool.InputSchema())
	}
	if strings.Contains(string(tool.InputSchema()), `"type":[`) || strings.Contains(string(tool.OutputSchema()), `"type":[`) {
		t.Fatalf("union type in schema:\n%s\n%s", tool.InputSchema(), tool.OutputSchema())
	}
	props := in["properties"].(map[string]any)
	if _, ok := props["dry_run"]; !ok {
		t.Fatal("write tool has no dry_run")
	}
	if req, _ := in["required"].([]any); len(req) != 1 || req[0] != "email" {
		t.Fatalf("required = %v, want [email]", in["required"])
	}
	readTool := Define(Spec{Name: "r", Tier: Read}, func(context.Context, *Call, sampleIn) (sampleOut, error) { return sampleOut{}, nil })
	if strings.Contains(string(readTool.InputSchema()), "dry_run") {
		t.Fatal("read tool offers dry_run")
	}
}

func TestAnnotationsFollowTheTier(t *testing.T) {
	for _, tc := range []struct {
		tier                                    Tier
		readOnly, destructive, idempotent, open bool
	}{
		{Read, true, false, true, false},
		{Write, false, false, false, false},
		{Destructive, false, true, false, false},
	} {
		a := Tool{Spec: Spec{Tier: tc.tier}}.Annotations()
		if a.ReadOnlyHint == nil || a.DestructiveHint == nil || a.IdempotentHint == nil || a.OpenWorldHint == nil {
			t.Fatalf("%v: an annotation is unset", tc.tier)
		}
		if *a.ReadOnlyHint != tc.readOnly || *a.DestructiveHint != tc.destructive || *a.IdempotentHint != tc.idempotent || *a.OpenWorldHint != tc.open {
			t.Fatalf("%v: annotations %+v", tc.tier, a)
		}
	}
}

// TestDryRunRecordsWritesAndSendsReads drives a real HTTP server through
// the dry-run transport: reads reach it, writes never do, and the plan
// lists the writes with their bodies.
func TestDryRunRecordsWritesAndSendsReads(t *testing.T) {
	var writes, reads atomic.Int32
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || strings.Contains(r.URL.Path, "_has_privileges") {
			reads.Add(1)
		} else {
			writes.Add(1)
		}
		_, _ = w.Write([]byte(`{"items":["a"]}`))
	}))
	defer upstream.Close()
	hc := &http.Client{Transport: DryRunTransport(nil), Timeout: 5 * time.Second}
	tool := sampleTool(func(ctx context.Context, c *Call, in sampleIn) (sampleOut, error) {
		do := func(method, path, body string) {
			req, _ := http.NewRequestWithContext(ctx, method, upstream.URL+path, strings.NewReader(body))
			resp, err := hc.Do(req)
			if err != nil {
				t.Errorf("%s %s: %v", method, path, err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
		do(http.MethodGet, "/_security/user/x", "")
		do(http.MethodPost, "/_security/user/_has_privileges", `{}`)
		do(http.MethodPut, "/_security/user/x", `{"roles":["a"]}`)
		do(http.MethodDelete, "/_security/role/y", "")
		return sampleOut{Echo: "planned"}, nil
	})
	out, err := invoke(tool, map[string]any{"email": "a@example.com", "dry_run": true})
	if err != nil {
		t.Fatal(err)
	}
	if writes.Load() != 0 || reads.Load() != 2 {
		t.Fatalf("upstream saw %d writes and %d reads; want 0 and 2", writes.Load(), reads.Load())
	}
	o := out.(sampleOut)
	if !o.DryRun || len(o.WouldSend) != 2 || o.WouldSend[0].Method != "PUT" || o.WouldSend[1].Method != "DELETE" {
		t.Fatalf("plan = %+v", o.WriteReport)
	}
	if body, _ := o.WouldSend[0].Body.(map[string]any); body == nil || body["roles"] == nil {
		t.Fatalf("planned body not kept: %+v", o.WouldSend[0])
	}
	// Without dry_run the same code writes for real.
	if _, err := invoke(tool, map[string]any{"email": "a@example.com"}); err != nil {
		t.Fatal(err)
	}
	if writes.Load() != 2 {
		t.Fatalf("real run sent %d writes, want 2", writes.Load())
	}
}

func TestDryRunIsRefusedOnReadTools(t *testing.T) {
	readTool := Define(Spec{Name: "r", Tier: Read}, func(context.Context, *Call, sampleIn) (sampleOut, error) { return sampleOut{}, nil })
	if _, err := invoke(readTool, map[string]any{"email": "a@example.com", "dry_run": true}); err == nil {
		t.Fatal("read tool accepted dry_run")
	}
}

func TestDurations(t *testing.T) {
	for in, want := range map[string]time.Duration{"30d": 30 * 24 * time.Hour, "12h": 12 * time.Hour, "90m": 90 * time.Minute, "45s": 45 * time.Second} {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v", in, got, err)
		}
		if FormatDuration(got) != in {
			t.Errorf("FormatDuration(%v) = %q, want %q", got, FormatDuration(got), in)
		}
	}
	for _, bad := range []string{"", "0d", "30", "d", "1w", "-1d", "1.5d", "30 d"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) accepted", bad)
		}
	}
}

func TestPartialFailureNamesCompletedSteps(t *testing.T) {
	err := PartialFailure(Refused("", "step 2 failed."), []string{"removed elasticsearch-admin from bob"})
	if !strings.Contains(err.Error(), "Steps already completed: removed elasticsearch-admin from bob") || strings.Contains(err.Error(), "Nothing was changed") {
		t.Fatalf("got %q", err)
	}
}
