package redact

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
)

const ph = DefaultPlaceholder

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func decode(t testing.TB, s string) any {
	t.Helper()
	v, ok := decodeJSON([]byte(s))
	if !ok {
		t.Fatalf("invalid JSON in test: %s", s)
	}
	return v
}

// Every secret field name, in the spellings APIs and headers use, hides its value wherever it sits.
func TestSecretFieldNames(t *testing.T) {
	names := []string{
		"key", "token", "invitation_token", "secret", "api_key", "apikey", "encoded", "password",
		"password_hash", "new_password", "access_token", "refresh_token", "client_secret", "private_key",
		"authorization", "proxy-authorization", "x-api-key", "passphrase",
	}
	variants := func(n string) []string {
		return []string{
			n, strings.ToUpper(n), strings.ReplaceAll(n, "_", "-"), strings.ReplaceAll(n, "_", ""),
			camel(n),
		}
	}
	r := New(Options{})
	for _, n := range names {
		for _, name := range variants(n) {
			t.Run(name, func(t *testing.T) {
				in := fmt.Sprintf(`{"outer":[{"id":"id-1","%s":"hunter2-value"}]}`, name)
				out, found := r.JSON([]byte(in))
				if strings.Contains(string(out), "hunter2-value") {
					t.Fatalf("secret survived: %s", out)
				}
				want := fmt.Sprintf("$.outer[0].%s", name)
				if strings.Contains(name, "-") {
					want = fmt.Sprintf("$.outer[0][%q]", name)
				}
				if len(found) != 1 || found[0].Value != "hunter2-value" || found[0].Path != want {
					t.Fatalf("found = %+v, want one at %s", found, want)
				}
				if !strings.Contains(string(out), `"id":"id-1"`) {
					t.Fatalf("non-secret id lost: %s", out)
				}
			})
		}
	}
}

func camel(n string) string {
	parts := strings.Split(n, "_")
	for i := 1; i < len(parts); i++ {
		parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
	}
	return strings.Join(parts, "")
}

// Fields that name a secret but are not one, and ordinary data, come through unchanged.
func TestNonSecretsSurvive(t *testing.T) {
	docs := []string{
		`{"api_key_id":"k-123","key_id":"k-1","id":"abc","token_type":"Bearer","expiration":1767225600000,"name":"ci-key"}`,
		`{"expiration_date":"2026-03-29T10:00:00Z","creation_date":"2026-02-27T10:00:00Z","description":"CI key"}`,
		`{"role_assignments":{"organization":[{"organization_id":"testorg","role_id":"organization-admin"}]}}`,
		`{"roles":["logs-reader","apm-data-viewer"],"username":"alice","full_name":"Alice","email":"alice@example.com"}`,
		`{"user_api_keys":[{"user_id":"1234567890","api_key_id":"k-9"}],"api_keys":[{"id":"x","name":"y","invalidated":false}]}`,
		`{"authentication_type":"api_key","api_key":{"id":"VuaCfGcBCdbkQm-e5aOx","name":"my-api-key","managed_by":"elasticsearch"}}`,
		`{"authentication_type":"token","token":{"name":"token1","type":"_es_api_key"}}`,
		`{"api_key":{"name":"granted","expiration":"1d","role_descriptors":{"r":{"cluster":["monitor"],"indices":[{"names":["logs-*"],"privileges":["read"]}]}}}}`,
		`{"aggregations":{"names":{"buckets":[{"key":"logs-reader","doc_count":3},{"key":"ops","doc_count":1}]}}}`,
		`{"error":{"type":"security_exception","reason":"missing authentication credentials for REST request [/_security/user]","header":{"WWW-Authenticate":["Basic realm=\"security\", charset=\"UTF-8\"","Bearer realm=\"security\"","ApiKey"]}},"status":401}`,
		`{"error":"Validation Failed: 1: password is missing;","hint":"keys start with essu_ and the token is hidden"}`,
		`{"deployment_id":"0123456789abcdef0123456789abcdef","cloud_id":"my-deployment","url":"https://my.es.example.com:9243/path?x=1"}`,
		`{"timestamps":["2024-01-01T00:00:00Z","2025-12-31T23:59:59.999Z"],"n":[1,2.5,-3e10],"ok":true,"none":null}`,
		`{"message":"Bearer token required","note":"ApiKey authentication failed for user [alice]","keys":[]}`,
		`{"sha":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","b64id":"c29tZSByYW5kb20gYnl0ZXMgaGVyZQ"}`,
		`{"password":"","token":null}`,
	}
	r := New(Options{})
	for _, d := range docs {
		out, found := r.JSON([]byte(d))
		if len(found) != 0 {
			t.Errorf("false positives in %s: %+v", d, found)
			continue
		}
		if string(out) != d {
			t.Errorf("changed without findings:\n in  %s\n out %s", d, out)
		}
	}
}

// Values under secret names are withheld whatever their type; descriptive children of a secret object stay.
func TestNonStringSecrets(t *testing.T) {
	r := New(Options{})
	in := `{"password":123456,"secret":[7,{"nested":true}],"token":{"value":"abcdef","name":"t1"},` +
		`"credentials":{"username":"admin","password":"pw-1","nested":{"id":"x"}},"key":false}`
	out, found := r.Value(decode(t, in))
	want := map[string]any{
		"password":    ph,
		"secret":      []any{ph, map[string]any{"nested": ph}},
		"token":       map[string]any{"value": ph, "name": "t1"},
		"credentials": map[string]any{"username": ph, "password": ph, "nested": map[string]any{"id": ph}},
		"key":         ph,
	}
	if !reflect.DeepEqual(out, want) {
		t.Fatalf("got  %s\nwant %s", mustJSON(t, out), mustJSON(t, want))
	}
	wantFound := []Found{
		{"$.credentials.nested.id", "x"}, {"$.credentials.password", "pw-1"}, {"$.credentials.username", "admin"},
		{"$.key", "false"}, {"$.password", "123456"}, {"$.secret[0]", "7"}, {"$.secret[1].nested", "true"},
		{"$.token.value", "abcdef"},
	}
	if !reflect.DeepEqual(found, wantFound) {
		t.Fatalf("found = %+v\nwant    %+v", found, wantFound)
	}
}

// The responses that carry secrets, as the reference documents describe them.
func TestKnownResponses(t *testing.T) {
	rng := newRand(1)
	cloudKey := fakeCloudKey(rng)
	id, key, encoded := fakeESKey(rng)
	r := New(Options{})
	cases := []struct {
		name, doc string
		secrets   []string
		keep      []string
	}{
		{"cloud api key create", `{"id":"key-1","description":"CI key","key":"` + cloudKey + `","expiration_date":"2026-03-29T10:00:00Z"}`,
			[]string{cloudKey}, []string{"key-1", "CI key", "2026-03-29T10:00:00Z"}},
		{"invitation", `{"invitations":[{"token":"inv-tok-123","email":"a@example.com","expired":false}]}`,
			[]string{"inv-tok-123"}, []string{"a@example.com"}},
		{"es api key create", `{"id":"` + id + `","name":"k","expiration":1767225600000,"api_key":"` + key + `","encoded":"` + encoded + `"}`,
			[]string{key, encoded}, []string{id, "1767225600000"}},
		{"project create", `{"id":"p1","name":"proj","credentials":{"username":"admin","password":"pw-abcdef"},"endpoints":{"elasticsearch":"https://p1.es.example.com"}}`,
			[]string{"pw-abcdef"}, []string{"p1", "proj", "https://p1.es.example.com"}},
		{"oauth token", `{"access_token":"dGhpcyBpcyBub3Q","type":"Bearer","expires_in":1200,"refresh_token":"vLBPvmAB6KvwvJZr27cS"}`,
			[]string{"dGhpcyBpcyBub3Q", "vLBPvmAB6KvwvJZr27cS"}, []string{"Bearer", "1200"}},
		{"change password request", `{"password":"n3w-p4ssw0rd"}`, []string{"n3w-p4ssw0rd"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, found := r.JSON([]byte(c.doc))
			for _, s := range c.secrets {
				if strings.Contains(string(out), s) {
					t.Errorf("secret %q survived: %s", s, out)
				}
				if !hasFound(found, s) {
					t.Errorf("secret %q not reported: %+v", s, found)
				}
			}
			for _, k := range c.keep {
				if !strings.Contains(string(out), k) {
					t.Errorf("non-secret %q lost: %s", k, out)
				}
			}
		})
	}
}

func hasFound(found []Found, v string) bool {
	for _, f := range found {
		if f.Value == v {
			return true
		}
	}
	return false
}

// Secrets found by shape, in free text and in strings under ordinary names.
func TestShapes(t *testing.T) {
	rng := newRand(2)
	cloudKey := fakeCloudKey(rng)
	_, _, encoded := fakeESKey(rng)
	encodedURL := strings.NewReplacer("+", "-", "/", "_").Replace(strings.TrimRight(encoded, "="))
	pemRSA := fakePEM(rng, "RSA ")
	pemPlain := fakePEM(rng, "")
	pemTrunc := fakePEM(rng, "EC ")
	pemTrunc = pemTrunc[:len(pemTrunc)-40]
	basic := "ZWxhc3RpYzpjaGFuZ2VtZTEyMw==" // elastic:changeme123
	jwt := "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlMTIz"
	cases := []struct {
		name, text, secret, keep string
	}{
		{"cloud key in prose", "created " + cloudKey + ", keep it safe", cloudKey, "keep it safe"},
		{"encoded key alone", encoded, encoded, ""},
		{"encoded url-safe key", "key " + encodedURL + " issued", encodedURL, "issued"},
		{"ApiKey header", "Authorization: ApiKey " + encoded, encoded, "Authorization: ApiKey "},
		{"lower-case header short value", "authorization: basic YTpi", "YTpi", "authorization: basic "},
		{"header in JSON text", `{"Authorization":"Bearer abc"}`, "abc", `"Authorization":`},
		{"bare Basic", "sent Basic " + basic + " to host", basic, "to host"},
		{"bare Bearer JWT", "token was Bearer " + jwt, jwt, "token was Bearer"},
		{"url credentials", "GET https://elastic:s3cret-pw@es.example.com:9200/_security", "s3cret-pw", "https://elastic:"},
		{"url credentials at end", "dial postgres://bob:pa55w0rd!@db", "pa55w0rd!", "bob"},
		{"pem rsa", "key:\n" + pemRSA + "\nend", pemRSA, "end"},
		{"pem pkcs8", pemPlain, pemPlain, ""},
		{"pem truncated", "partial " + pemTrunc, pemTrunc, "partial"},
		{"json field in text", `upstream said {"api_key":"k3y-v4lue-1","id":"x"}`, "k3y-v4lue-1", `"id":"x"`},
		{"escaped json field in text", `{"body":"{\"password\":\"pw-in-body\"}"}`, "pw-in-body", "body"},
		{"numeric field in text", `{"secret": 987654321}`, "987654321", "secret"},
		{"query parameter", "GET /x?user=bob&password=hunter22&x=1", "hunter22", "x=1"},
		{"logfmt", "level=info access_token=abc123xyz msg=ok", "abc123xyz", "msg=ok"},
	}
	r := New(Options{})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, found := r.Text(c.text)
			if strings.Contains(out, c.secret) {
				t.Fatalf("secret survived: %q", out)
			}
			if !strings.Contains(out, ph) {
				t.Fatalf("no placeholder: %q", out)
			}
			if !strings.Contains(out, c.keep) {
				t.Fatalf("context %q lost: %q", c.keep, out)
			}
			if len(found) == 0 || found[0].Path != "$" {
				t.Fatalf("found = %+v", found)
			}
			// The same string inside a JSON value is redacted the same way, reported at its path.
			v, vf := r.Value(map[string]any{"msg": c.text})
			if strings.Contains(mustJSON(t, v), c.secret) || len(vf) == 0 || vf[0].Path != "$.msg" {
				t.Fatalf("in a value: %v %+v", v, vf)
			}
		})
	}
}

// Prose that merely resembles the shapes is left readable.
func TestShapeLookalikes(t *testing.T) {
	texts := []string{
		"keys start with essu_ and are shown once",
		"essu_short",
		"Basic realm=\"security\", charset=\"UTF-8\"",
		"the user must have the required authorization",
		"action [cluster:admin/xpack/security/role_mapping/put] is unauthorized for user [alice]",
		"see https://www.elastic.co/guide/en/elasticsearch/reference/current/security-api.html",
		"mailto:alice@example.com and ssh://git@github.com/x",
		"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
		"aHR0cHM6Ly9leGFtcGxlLmNvbS9wYXRo", // base64 of https://example.com/path
		"Bearer authentication",
		"use the \"key\" field, not \"token\"",
	}
	r := New(Options{})
	for _, s := range texts {
		if out, found := r.Text(s); out != s || len(found) != 0 {
			t.Errorf("changed %q -> %q (%+v)", s, out, found)
		}
	}
}

func TestValueDoesNotMutateInput(t *testing.T) {
	in := decode(t, `{"keys":[{"key":"abc-secret","id":"1"}],"msg":"Authorization: Bearer xyz12345"}`)
	before := mustJSON(t, in)
	out, found := New(Options{}).Value(in)
	if mustJSON(t, in) != before {
		t.Fatalf("input changed: %s", mustJSON(t, in))
	}
	if len(found) != 2 || mustJSON(t, out) == before {
		t.Fatalf("nothing redacted: %s %+v", mustJSON(t, out), found)
	}
	// Containers on the way to a secret are copies, not the input's.
	out.(map[string]any)["keys"].([]any)[0].(map[string]any)["id"] = "changed"
	if mustJSON(t, in) != before {
		t.Fatal("output aliases input")
	}
}

// Value copies on write: what holds no secret is handed back as it came in, so that redacting a large clean result
// costs no copy of it, while the branch that held the secret is a fresh copy.
func TestValueSharesCleanBranches(t *testing.T) {
	in := decode(t, `{"clean":{"members":[{"email":"a@example.com"}]},"dirty":{"password":"hunter2-secret","id":"1"}}`)
	before := mustJSON(t, in)
	r := New(Options{})
	same, found := r.Value(in.(map[string]any)["clean"])
	if len(found) != 0 || reflect.ValueOf(same).UnsafePointer() != reflect.ValueOf(in.(map[string]any)["clean"]).UnsafePointer() {
		t.Fatalf("a clean value was copied or changed: %s %+v", mustJSON(t, same), found)
	}
	out, found := r.Value(in)
	if len(found) != 1 || mustJSON(t, in) != before {
		t.Fatalf("found %+v; input now %s", found, mustJSON(t, in))
	}
	o := out.(map[string]any)
	if reflect.ValueOf(o["clean"]).UnsafePointer() != reflect.ValueOf(in.(map[string]any)["clean"]).UnsafePointer() {
		t.Error("the clean branch was copied")
	}
	if o["dirty"].(map[string]any)["password"] != DefaultPlaceholder || o["dirty"].(map[string]any)["id"] != "1" {
		t.Errorf("dirty branch: %s", mustJSON(t, o["dirty"]))
	}
}

func TestJSONCopiesWhenClean(t *testing.T) {
	in := []byte(`{"b":1,"a":2}`)
	out, found := New(Options{}).JSON(in)
	if len(found) != 0 || string(out) != string(in) {
		t.Fatalf("got %s %+v", out, found)
	}
	out[0] = 'X'
	if in[0] != '{' {
		t.Fatal("JSON returned its input slice")
	}
}

func TestJSONInvalidFallsBackToText(t *testing.T) {
	in := []byte(`{"token":"abcdefgh", "truncated`)
	out, found := New(Options{}).JSON(in)
	if strings.Contains(string(out), "abcdefgh") || len(found) != 1 {
		t.Fatalf("got %s %+v", out, found)
	}
}

func TestRawMessageAndBytes(t *testing.T) {
	r := New(Options{})
	raw := json.RawMessage(`{"password":"pw-raw-1"}`)
	out, found := r.Value(map[string]any{"body": raw, "bytes": []byte(`{"token":"tok-bytes-1"}`)})
	m := out.(map[string]any)
	if got, ok := m["body"].(json.RawMessage); !ok || strings.Contains(string(got), "pw-raw-1") || !json.Valid(got) {
		t.Fatalf("raw: %#v", m["body"])
	}
	if got, ok := m["bytes"].([]byte); !ok || strings.Contains(string(got), "tok-bytes-1") {
		t.Fatalf("bytes: %#v", m["bytes"])
	}
	if len(found) != 2 || found[0].Path != "$.body.password" || found[1].Path != "$.bytes.token" {
		t.Fatalf("found %+v", found)
	}
	if string(raw) != `{"password":"pw-raw-1"}` {
		t.Fatal("input RawMessage changed")
	}
	// Invalid JSON inside a RawMessage stays valid JSON after redaction.
	out, _ = r.Value(json.RawMessage(`Bearer abcdefgh12345678 oops`))
	if got := out.(json.RawMessage); !json.Valid(got) || strings.Contains(string(got), "abcdefgh12345678") {
		t.Fatalf("invalid raw: %s", got)
	}
}

func TestTypedValuesGoThroughJSON(t *testing.T) {
	type keyResp struct {
		ID  string `json:"id"`
		Key string `json:"key"`
	}
	out, found := New(Options{}).Value([]keyResp{{ID: "k1", Key: "typed-secret"}})
	if strings.Contains(mustJSON(t, out), "typed-secret") || len(found) != 1 || found[0].Path != "$[0].key" {
		t.Fatalf("got %s %+v", mustJSON(t, out), found)
	}
	if out, _ := New(Options{}).Value(map[string]string{"password": "pw-typed"}); strings.Contains(mustJSON(t, out), "pw-typed") {
		t.Fatal("typed map leaked")
	}
	// A value encoding/json cannot encode comes back as (redacted) text rather than failing.
	if out, _ := New(Options{}).Value(func() {}); reflect.TypeOf(out).Kind() != reflect.String {
		t.Fatalf("unencodable value came back as %T", out)
	}
}

func TestSecretInObjectKey(t *testing.T) {
	rng := newRand(3)
	k := fakeCloudKey(rng)
	out, found := New(Options{}).Value(map[string]any{k: "x", "ok": 1})
	s := mustJSON(t, out)
	if strings.Contains(s, k) || len(found) != 1 || !strings.Contains(s, `"ok":1`) {
		t.Fatalf("got %s %+v", s, found)
	}
}

func TestPlaceholderFuncAndExtraNames(t *testing.T) {
	r := New(Options{
		Placeholder:     func(p string) string { return "[withheld " + p + ", see /tmp/s.json]" },
		ExtraFieldNames: []string{"Ca-Passphrase"},
	})
	out, found := r.JSON([]byte(`{"keys":[{"key":"v1"}],"ca_passphrase":"v2","msg":"password=v3-long"}`))
	want := `{"ca_passphrase":"[withheld $.ca_passphrase, see /tmp/s.json]",` +
		`"keys":[{"key":"[withheld $.keys[0].key, see /tmp/s.json]"}],"msg":"password=[withheld $.msg, see /tmp/s.json]"}`
	if string(out) != want {
		t.Fatalf("got  %s\nwant %s", out, want)
	}
	if len(found) != 3 {
		t.Fatalf("found %+v", found)
	}
}

func TestZeroValueRedactor(t *testing.T) {
	var r Redactor
	out, found := r.Text("password=hunter22")
	if out != "password="+ph || len(found) != 1 {
		t.Fatalf("got %q %+v", out, found)
	}
	r.Remember("zero-value-secret")
	if out, _ := r.Text("x zero-value-secret y"); strings.Contains(out, "zero-value-secret") {
		t.Fatal("remember on zero value failed")
	}
}

func TestRemember(t *testing.T) {
	r := New(Options{})
	secret := `Pa55"w0rd&x/y`
	r.Remember(secret)
	r.Remember("abc") // too short: ignored, or every "abc" in every text would vanish
	texts := map[string]string{
		"plain":      "login failed for " + secret + " today",
		"json":       `{"note":"` + strings.ReplaceAll(secret, `"`, `\"`) + `"}`,
		"html json":  `{"note":"Pa55\"w0rd\u0026x/y"}`,
		"url query":  "https://h/?p=Pa55%22w0rd%26x%2Fy",
		"url path":   "https://h/Pa55%22w0rd&x%2Fy",
		"in a value": "abc " + secret,
	}
	for name, s := range texts {
		out, found := r.Text(s)
		if out == s || len(found) == 0 {
			t.Errorf("%s: not scrubbed: %q", name, out)
		}
	}
	if out, _ := r.Text("abc abc"); out != "abc abc" {
		t.Errorf("short value scrubbed: %q", out)
	}
	if out, _ := New(Options{}).Text(secret); out != secret {
		t.Error("remembered values leak between redactors")
	}
}

func TestWithPlaceholderSharesRemembered(t *testing.T) {
	r := New(Options{ExtraFieldNames: []string{"pin"}})
	r.Remember("remembered-before")
	d := r.WithPlaceholder(func(p string) string { return "<" + p + ">" })
	r.Remember("remembered-after")
	out, found := d.Value(map[string]any{"a": "remembered-before", "b": "x remembered-after", "pin": "1234"})
	if want := map[string]any{"a": "<$.a>", "b": "x <$.b>", "pin": "<$.pin>"}; !reflect.DeepEqual(out, want) || len(found) != 3 {
		t.Fatalf("got %v %+v", out, found)
	}
	d.Remember("remembered-via-derived")
	if s, _ := r.Text("remembered-via-derived"); s != ph {
		t.Fatalf("derived Remember not shared: %q", s)
	}
}

func TestRememberIsBounded(t *testing.T) {
	r := New(Options{})
	for i := range maxRemembered + 10 {
		r.Remember(fmt.Sprintf("remembered-%06d", i))
	}
	if n := len(r.own.memo.order); n != maxRemembered {
		t.Fatalf("kept %d values", n)
	}
	if out, _ := r.Text("remembered-000000"); out != "remembered-000000" {
		t.Error("oldest value not dropped")
	}
	last := fmt.Sprintf("remembered-%06d", maxRemembered+9)
	if out, _ := r.Text(last); out == last {
		t.Error("newest value not scrubbed")
	}
}

func TestConcurrentUse(t *testing.T) {
	r := Default()
	if Default() != r {
		t.Fatal("Default is not shared")
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				s := fmt.Sprintf("concurrent-%d-%d", g, i)
				r.Remember(s)
				if out, _ := r.Text("x " + s); strings.Contains(out, s) {
					t.Errorf("%s survived", s)
					return
				}
				r.JSON([]byte(`{"key":"v","a":[1,2,{"token":"t"}]}`))
			}
		}()
	}
	wg.Wait()
}

// Redacting a redacted text again changes nothing: results are redacted, then quoted in audit lines.
func TestRedactingTwiceIsStable(t *testing.T) {
	rng := newRand(4)
	_, _, encoded := fakeESKey(rng)
	r := New(Options{})
	for _, s := range []string{
		"password=hunter22 next", `{"token": "abcdefgh", "x": "Authorization: ApiKey ` + encoded + `"}`,
		"Authorization: Bearer abcdefghijkl", `"secret":123456`, "https://u:pw123456@h/",
	} {
		once, f1 := r.Text(s)
		twice, f2 := r.Text(once)
		if len(f1) == 0 || len(f2) != 0 || once != twice {
			t.Errorf("%q -> %q -> %q (%+v)", s, once, twice, f2)
		}
	}
}

// Keys that redact to the same text are all kept, numbered, without one overwriting another.
func TestCollidingRedactedKeys(t *testing.T) {
	in := map[string]any{"password=[REDACTED: withheld from the model] #2": "pre-existing"}
	for i := range 2000 {
		in[fmt.Sprintf("password=x%05d", i)] = i
	}
	out, found := New(Options{}).Value(in)
	m := out.(map[string]any)
	if len(m) != 2001 || len(found) != 2000 {
		t.Fatalf("%d keys, %d found", len(m), len(found))
	}
	if m["password=[REDACTED: withheld from the model] #2"] != "pre-existing" {
		t.Fatal("existing key overwritten")
	}
	for k := range m {
		if strings.Contains(k, "x0") {
			t.Fatalf("key %q kept its secret", k)
		}
	}
}

func TestDecodeJSONRejectsTrailingData(t *testing.T) {
	for in, want := range map[string]bool{
		`{"a":1}`: true, " {\"a\":1} \n\t": true, `{"a":1} x`: false, `{} {}`: false, `1 2`: false, ``: false,
		`[1,]`: false,
	} {
		if _, ok := decodeJSON([]byte(in)); ok != want {
			t.Errorf("decodeJSON(%q) ok = %v, want %v", in, ok, want)
		}
	}
}
