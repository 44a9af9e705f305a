package stackemu

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// jv is a parsed JSON value that keeps object key order and the token kind.
// Elasticsearch parses request bodies as a token stream: it reports the first
// unexpected field in document order and names wrong types by their token
// (START_ARRAY, VALUE_NUMBER...), so the emulator needs both to reproduce its
// error texts; map[string]any loses them.
type jv struct {
	kind byte // 'o' object, 'a' array, 's' string, 'n' number, 'b' bool, 'z' null
	obj  []jkv
	arr  []*jv
	str  string
	num  json.Number
	b    bool
}

type jkv struct {
	key string
	val *jv
}

// token names the value the way Jackson (and so Elasticsearch's messages) does.
func (v *jv) token() string {
	if v == nil {
		return "VALUE_NULL"
	}
	switch v.kind {
	case 'o':
		return "START_OBJECT"
	case 'a':
		return "START_ARRAY"
	case 's':
		return "VALUE_STRING"
	case 'n':
		return "VALUE_NUMBER"
	case 'b':
		return "VALUE_BOOLEAN"
	}
	return "VALUE_NULL"
}

func (v *jv) isNull() bool { return v == nil || v.kind == 'z' }

// get returns the value of key in an object (the last one when repeated).
func (v *jv) get(key string) *jv {
	if v == nil || v.kind != 'o' {
		return nil
	}
	var out *jv
	for _, kv := range v.obj {
		if kv.key == key {
			out = kv.val
		}
	}
	return out
}

func (v *jv) has(key string) bool {
	if v == nil || v.kind != 'o' {
		return false
	}
	for _, kv := range v.obj {
		if kv.key == key {
			return true
		}
	}
	return false
}

// toAny converts to plain Go values (numbers stay json.Number so they
// round-trip unchanged).
func (v *jv) toAny() any {
	if v == nil {
		return nil
	}
	switch v.kind {
	case 'o':
		m := make(map[string]any, len(v.obj))
		for _, kv := range v.obj {
			m[kv.key] = kv.val.toAny()
		}
		return m
	case 'a':
		a := make([]any, 0, len(v.arr))
		for _, e := range v.arr {
			a = append(a, e.toAny())
		}
		return a
	case 's':
		return v.str
	case 'n':
		return v.num
	case 'b':
		return v.b
	}
	return nil
}

// compact re-serialises the value as compact JSON, keeping key order, the way
// Elasticsearch stores an object-valued DLS query as a string.
func (v *jv) compact() string {
	var b strings.Builder
	v.writeTo(&b)
	return b.String()
}

func (v *jv) writeTo(b *strings.Builder) {
	if v == nil {
		b.WriteString("null")
		return
	}
	switch v.kind {
	case 'o':
		b.WriteByte('{')
		for i, kv := range v.obj {
			if i > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(kv.key)
			b.Write(k)
			b.WriteByte(':')
			kv.val.writeTo(b)
		}
		b.WriteByte('}')
	case 'a':
		b.WriteByte('[')
		for i, e := range v.arr {
			if i > 0 {
				b.WriteByte(',')
			}
			e.writeTo(b)
		}
		b.WriteByte(']')
	case 's':
		s, _ := json.Marshal(v.str)
		b.Write(s)
	case 'n':
		b.WriteString(v.num.String())
	case 'b':
		if v.b {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	default:
		b.WriteString("null")
	}
}

// stringList reads a string or an array of strings. ok is false for other
// token kinds or non-string elements.
func (v *jv) stringList() ([]string, bool) {
	if v == nil {
		return nil, false
	}
	switch v.kind {
	case 's':
		return []string{v.str}, true
	case 'a':
		out := make([]string, 0, len(v.arr))
		for _, e := range v.arr {
			if e == nil || e.kind != 's' {
				return nil, false
			}
			out = append(out, e.str)
		}
		return out, true
	}
	return nil, false
}

// strictStringArray accepts only an array of strings.
func (v *jv) strictStringArray() ([]string, bool) {
	if v == nil || v.kind != 'a' {
		return nil, false
	}
	return v.stringList()
}

var errEmptyBody = errors.New("empty body")

// parseJSON parses one JSON document. An empty or whitespace-only body yields
// errEmptyBody so that handlers can answer "request body is required".
func parseJSON(data []byte) (*jv, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errEmptyBody
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := readValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("unexpected content after the end of the JSON document")
	}
	return v, nil
}

func readValue(dec *json.Decoder) (*jv, error) {
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			v := &jv{kind: 'o'}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("expected a field name")
				}
				val, err := readValue(dec)
				if err != nil {
					return nil, err
				}
				v.obj = append(v.obj, jkv{key: k, val: val})
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return v, nil
		case '[':
			v := &jv{kind: 'a', arr: []*jv{}}
			for dec.More() {
				e, err := readValue(dec)
				if err != nil {
					return nil, err
				}
				v.arr = append(v.arr, e)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return v, nil
		}
		return nil, fmt.Errorf("unexpected delimiter %q", t)
	case string:
		return &jv{kind: 's', str: t}, nil
	case json.Number:
		return &jv{kind: 'n', num: t}, nil
	case bool:
		return &jv{kind: 'b', b: t}, nil
	case nil:
		return &jv{kind: 'z'}, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

// fromAny builds a jv from plain Go values (used for stored objects that are
// re-validated, such as Kibana role bodies turned into ES descriptors).
func fromAny(a any) *jv {
	b, _ := json.Marshal(a)
	v, err := parseJSON(b)
	if err != nil {
		return &jv{kind: 'z'}
	}
	return v
}

// jsonMarshalSorted serialises v; encoding/json sorts map keys, so equal
// values give equal strings.
func jsonMarshalSorted(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}
