package redact

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// secretNames are the spellings planted by FuzzPlantedSecrets (case and separators are varied further).
var secretNames = []string{
	"key", "token", "invitation_token", "secret", "api_key", "apikey", "encoded", "password", "password_hash",
	"new_password", "access_token", "refresh_token", "client_secret", "private_key", "authorization",
}

// A plant is a secret hidden somewhere in a document, with the strings that must not appear in any redacted
// output (its needles).
type plant struct {
	kind    string
	needles []string
}

// planter builds secrets from a seeded generator, so that a failing case replays from the fuzz input alone.
type planter struct {
	rng *rand.Rand
	r   *Redactor
}

func (p *planter) secretString() string {
	return "S" + randString(p.rng, 12+p.rng.IntN(20), alnum)
}

func (p *planter) fieldName() string {
	n := []byte(secretNames[p.rng.IntN(len(secretNames))])
	for i := range n {
		switch {
		case n[i] == '_' && p.rng.IntN(3) == 0:
			n[i] = '-'
		case p.rng.IntN(2) == 0 && 'a' <= n[i] && n[i] <= 'z':
			n[i] -= 'a' - 'A'
		}
	}
	return strings.ReplaceAll(string(n), "_", []string{"_", "", "-"}[p.rng.IntN(3)])
}

// fieldValue returns a value to put under a secret name: a string, a number, or a container holding secrets,
// and the needles it carries.
func (p *planter) fieldValue(depth int) (any, []string) {
	switch k := p.rng.IntN(6); {
	case k < 2 || depth > 2:
		s := p.secretString()
		return s, []string{s}
	case k == 2:
		n := 1e14 + float64(p.rng.Int64N(8e14))
		return n, []string{strconv.FormatFloat(n, 'f', -1, 64)}
	case k == 3:
		n := json.Number(strconv.FormatInt(1e15+p.rng.Int64N(8e15), 10))
		return n, []string{string(n)}
	case k == 4:
		a, an := p.fieldValue(depth + 1)
		b, bn := p.fieldValue(depth + 1)
		return []any{a, b, true}, append(an, bn...)
	default:
		a, an := p.fieldValue(depth + 1)
		return map[string]any{"value": a, "data": []any{"x"}}, an
	}
}

// shapeText returns free text with a secret recognisable by its shape or remembered value, and its needles.
func (p *planter) shapeText() (string, plant) {
	pre := []string{"upstream error:", "created", "note", "log line", "{\"ok\":1}"}[p.rng.IntN(5)]
	post := []string{"done", "(status 401)", "and more", ""}[p.rng.IntN(4)]
	id, key, encoded := fakeESKey(p.rng)
	var text string
	var pl plant
	switch k := p.rng.IntN(9); k {
	case 0:
		c := fakeCloudKey(p.rng)
		text, pl = c, plant{"cloud key", []string{c}}
	case 1:
		text, pl = encoded, plant{"encoded key", []string{encoded}}
	case 2:
		text, pl = "Authorization: ApiKey "+encoded, plant{"apikey header", []string{encoded}}
	case 3:
		tok := p.secretString() + "9"
		text, pl = []string{"Bearer ", "bearer ", "Authorization: Bearer "}[p.rng.IntN(3)]+tok, plant{"bearer", []string{tok}}
	case 4:
		pem := fakePEM(p.rng, []string{"", "RSA ", "EC ", "OPENSSH ", "ENCRYPTED "}[p.rng.IntN(5)])
		body := strings.Split(pem, "\n")[1]
		text, pl = pem, plant{"pem", []string{body}}
	case 5:
		pw := p.secretString()
		text, pl = "https://elastic:"+pw+"@es.example.com:9243/_security", plant{"url password", []string{pw}}
	case 6:
		s := p.secretString()
		p.r.Remember(s)
		text, pl = "value "+s+" seen", plant{"remembered", []string{s}}
	case 7:
		s := p.secretString()
		text, pl = `{"`+p.fieldName()+`": "`+s+`"}`, plant{"field in text", []string{s}}
	default:
		_ = id
		text, pl = key+" is in "+encoded, plant{"encoded with raw key", []string{encoded}}
	}
	return pre + " " + text + " " + post, pl
}

// plant puts one secret at a random place in root, creating containers on the way, and returns it.
func (p *planter) plant(root map[string]any) plant {
	var container any = root
	for depth := 0; depth < 6 && p.rng.IntN(3) > 0; depth++ {
		next := p.child(container)
		if next == nil {
			break
		}
		container = next
	}
	var name string
	var value any
	var pl plant
	if p.rng.IntN(2) == 0 {
		name = p.fieldName()
		var needles []string
		value, needles = p.fieldValue(0)
		pl = plant{"field " + name, needles}
	} else {
		name = []string{"message", "error", "reason", "description"}[p.rng.IntN(4)]
		value, pl = p.shapeText()
	}
	switch c := container.(type) {
	case map[string]any:
		if normalizeField(name) == "key" {
			delete(c, "doc_count") // make sure this "key" is not an aggregation bucket key
		}
		c[name] = value
	case *[]any:
		*c = append(*c, map[string]any{name: value})
	}
	return pl
}

// child picks or makes a container below c: an existing object or array, or a new one.
func (p *planter) child(c any) any {
	m, ok := c.(map[string]any)
	if !ok {
		return nil
	}
	for k, v := range m {
		if p.rng.IntN(2) == 0 {
			continue
		}
		switch t := v.(type) {
		case map[string]any:
			return t
		case []any:
			holder := map[string]any{}
			m[k] = append(t, holder)
			return holder
		}
	}
	holder := map[string]any{}
	if p.rng.IntN(2) == 0 {
		m["n"+strconv.Itoa(p.rng.IntN(100))] = []any{"x", holder}
	} else {
		m["n"+strconv.Itoa(p.rng.IntN(100))] = holder
	}
	return holder
}

func addPlantedSeeds(f *testing.F) {
	f.Add([]byte(`{}`), uint64(1), uint8(1))
	f.Add([]byte(`{"members":[{"user_id":"1","email":"a@example.com"}],"next_page":null}`), uint64(2), uint8(3))
	f.Add([]byte(`[1,"two",{"three":[3]}]`), uint64(3), uint8(2))
	f.Add([]byte(`"just a string"`), uint64(4), uint8(0))
	f.Add([]byte(`{"buckets":[{"key":"k","doc_count":1}],"api_key":{"id":"i","name":"n"}}`), uint64(5), uint8(4))
}

// FuzzPlantedSecrets hides secrets at random depths, under random secret names (any case and separator), as
// strings, numbers and containers, and by shape inside free text; none may survive in the redacted output.
func FuzzPlantedSecrets(f *testing.F) {
	addPlantedSeeds(f)
	f.Fuzz(func(t *testing.T, doc []byte, seed uint64, n uint8) {
		v, ok := decodeJSON(doc)
		if !ok {
			v = nil
		}
		root := map[string]any{"doc": v}
		p := &planter{rng: newRand(seed), r: New(Options{})}
		var plants []plant
		for range 1 + int(n%4) {
			plants = append(plants, p.plant(root))
		}
		before, err := json.Marshal(root)
		if err != nil {
			t.Skip() // the fuzz document itself cannot be re-encoded
		}

		red, found := p.r.Value(root)
		fromValue, err := json.Marshal(red)
		if err != nil {
			t.Fatalf("redacted value does not encode: %v", err)
		}
		if after, _ := json.Marshal(root); string(after) != string(before) {
			t.Fatal("Value modified its input")
		}
		fromJSON, jfound := p.r.JSON(before)
		if !json.Valid(fromJSON) {
			t.Fatalf("JSON output invalid: %s", fromJSON)
		}
		for _, pl := range plants {
			for _, needle := range pl.needles {
				if strings.Contains(string(doc), needle) {
					continue // the fuzzer wrote it into the document itself, where it is not secret
				}
				if strings.Contains(string(fromValue), needle) {
					t.Errorf("%s: %q survived Value:\n%s", pl.kind, needle, fromValue)
				}
				if strings.Contains(string(fromJSON), needle) {
					t.Errorf("%s: %q survived JSON:\n%s", pl.kind, needle, fromJSON)
				}
			}
		}
		if len(found) == 0 || len(jfound) == 0 {
			t.Errorf("planted %d secrets, found %d and %d", len(plants), len(found), len(jfound))
		}
	})
}

// FuzzArbitraryBytes feeds any bytes to JSON and Text: no panic, valid JSON in gives valid JSON out, and a
// second pass over a redacted text finds nothing more.
func FuzzArbitraryBytes(f *testing.F) {
	for _, s := range []string{
		``, `{`, `null`, `{"key":`, `{"password":"x"}`, `[{"token":[1,{"a":null}]}]`, `"\u0000"`,
		`password=`, `Authorization:`, `Bearer `, `-----BEGIN X PRIVATE KEY-----`, `https://a:@b`, `http://:x@`,
		`{"credentials":{"a":{"b":[true,1e400]}}}`, `essu_`, "\xff\xfe{\"key\":\"\xff\"}",
	} {
		f.Add([]byte(s))
	}
	r := New(Options{})
	r.Remember("remembered-fuzz-value")
	f.Fuzz(func(t *testing.T, b []byte) {
		out, _ := r.JSON(b)
		if json.Valid(b) && !json.Valid(out) {
			t.Fatalf("valid JSON in, invalid out: %q -> %q", b, out)
		}
		text, _ := r.Text(string(b))
		if utf8.Valid(b) && !utf8.ValidString(text) {
			t.Fatalf("valid UTF-8 in, invalid out: %q -> %q", b, text)
		}
		if again, found := r.Text(text); again != text || len(found) != 0 {
			t.Fatalf("second pass changed %q -> %q (%+v)", text, again, found)
		}
		if v, ok := decodeJSON(b); ok {
			r.Value(v)
		}
	})
}
