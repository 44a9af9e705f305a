package redact

import (
	"encoding/json"
	"fmt"
	"testing"
)

// memberListing builds a Cloud organization member listing like GET /organizations/{id}/members returns.
func memberListing(n int) []byte {
	members := make([]any, n)
	for i := range members {
		members[i] = map[string]any{
			"user_id":         fmt.Sprintf("%010d", 1000000000+i),
			"organization_id": "1234567890",
			"email":           fmt.Sprintf("user%d@example.com", i),
			"name":            fmt.Sprintf("User Number %d", i),
			"member_since":    "2024-05-01T10:00:00Z",
			"role_assignments": map[string]any{
				"organization": []any{map[string]any{"organization_id": "1234567890", "role_id": "billing-admin"}},
				"project": map[string]any{
					"elasticsearch": []any{map[string]any{
						"organization_id": "1234567890", "role_id": "elasticsearch-viewer", "all": false,
						"project_ids": []any{"c1f6a7d2b3e84f0a9d5c6b7a8e9f0a1b", "d2e7b8c3a4f95a1b0e6d7c8b9f0a1b2c"},
					}},
				},
			},
		}
	}
	b, _ := json.Marshal(map[string]any{"members": members, "next_page": nil})
	return b
}

var smallResult = []byte(`{"id":"VuaCfGcBCdbkQm-e5aOx","name":"ci-reader","expiration":1767225600000,` +
	`"api_key":"ui2lp2axTNmsyakw9tvNnw","encoded":"VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=="}`)

func BenchmarkRedactJSONMembers10k(b *testing.B) {
	doc := memberListing(10000)
	r := New(Options{})
	for i := range 100 {
		r.Remember(fmt.Sprintf("remembered-secret-%d", i))
	}
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, found := r.JSON(doc); len(found) != 0 {
			b.Fatal(found)
		}
	}
}

func BenchmarkRedactValueMembers10k(b *testing.B) {
	doc := memberListing(10000)
	var v any
	json.Unmarshal(doc, &v)
	r := New(Options{})
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, found := r.Value(v); len(found) != 0 {
			b.Fatal(found)
		}
	}
}

func BenchmarkRedactJSONSmall(b *testing.B) {
	r := New(Options{})
	b.SetBytes(int64(len(smallResult)))
	b.ReportAllocs()
	for b.Loop() {
		if _, found := r.JSON(smallResult); len(found) != 2 {
			b.Fatal(found)
		}
	}
}

func BenchmarkRedactTextErrorMessage(b *testing.B) {
	msg := `POST /_security/api_key failed: 401 {"error":{"type":"security_exception","reason":"unable to ` +
		`authenticate user [alice] for REST request [/_security/api_key]","header":{"WWW-Authenticate":` +
		`["Basic realm=\"security\", charset=\"UTF-8\"","Bearer realm=\"security\"","ApiKey"]}},"status":401}`
	r := Default()
	b.ReportAllocs()
	for b.Loop() {
		r.Text(msg)
	}
}

func BenchmarkGeneratePassword(b *testing.B) {
	for b.Loop() {
		GeneratePassword(24)
	}
}

// BenchmarkDecodeOnlyMembers10k is the floor for JSON: decoding alone, to compare the redaction cost against.
func BenchmarkDecodeOnlyMembers10k(b *testing.B) {
	doc := memberListing(10000)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := decodeJSON(doc); !ok {
			b.Fatal("invalid")
		}
	}
}
