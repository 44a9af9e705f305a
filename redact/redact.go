// Package redact keeps secrets out of everything the server shows: tool results, error messages, log and audit
// lines. A Redactor finds secrets by field name and by value shape and replaces them with a placeholder; a Sink
// hands the withheld values to the person through a private file or a single-use link; GeneratePassword makes
// passwords that never need to pass through the model.
package redact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// DefaultPlaceholder replaces a secret when Options.Placeholder is not set. Placeholders should start with
// "[REDACTED", which the text finders recognise and leave alone when a redacted text is redacted again.
const DefaultPlaceholder = "[REDACTED: withheld from the model]"

// Found is one withheld secret: where it was (a JSON path such as "$.keys[0].key"; "$" for a plain text) and its
// value as a string (non-string values in their JSON form).
type Found struct {
	Path  string
	Value string
}

// Options configure a Redactor.
type Options struct {
	// Placeholder returns the text that replaces the secret found at path, for example one that names the file
	// the secret went to. Nil means DefaultPlaceholder.
	Placeholder func(path string) string
	// ExtraFieldNames are more field names whose values are secret, matched like the built-in ones (any case,
	// '-' and '_' ignored).
	ExtraFieldNames []string
}

// Redactor finds and replaces secrets. It is safe for concurrent use; the zero value uses the defaults.
type Redactor struct {
	placeholder func(path string) string
	extra       map[string]bool

	// Remembered secrets live in own, or in shared when this Redactor was derived from another one.
	own    memory
	shared *memory
}

var defaultSecretSet = setOf(defaultSecretFields...)

// New returns a Redactor with the given options.
func New(opts Options) *Redactor {
	r := &Redactor{placeholder: opts.Placeholder}
	if len(opts.ExtraFieldNames) > 0 {
		r.extra = setOf(opts.ExtraFieldNames...)
	}
	return r
}

var defaultRedactor = sync.OnceValue(func() *Redactor { return New(Options{}) })

// Default returns the process-wide Redactor, so that a secret remembered while handling one call is scrubbed from
// every later log line and error, whichever component writes it.
func Default() *Redactor { return defaultRedactor() }

// WithPlaceholder returns a Redactor that finds the same secrets, including every value remembered by r before
// or after, but writes placeholder(path) in their place: for example one naming the file they went to.
func (r *Redactor) WithPlaceholder(placeholder func(path string) string) *Redactor {
	return &Redactor{placeholder: placeholder, extra: r.extra, shared: r.memory()}
}

func (r *Redactor) memory() *memory {
	if r.shared != nil {
		return r.shared
	}
	return &r.own
}

func (r *Redactor) isSecretName(norm []byte) bool {
	return defaultSecretSet[string(norm)] || r.extra[string(norm)]
}

func (r *Redactor) placeholderFor(path string) string {
	if r.placeholder != nil {
		return r.placeholder(path)
	}
	return DefaultPlaceholder
}

// Value returns a redacted copy of v, which should be a value as produced by encoding/json (map[string]any,
// []any, string, float64, json.Number, bool, nil); json.RawMessage and []byte holding JSON are redacted as JSON
// and keep their type. Any other Go value is converted through encoding/json first. v is never modified. The copy
// is made on write: objects and arrays holding no secret are shared with v rather than copied (when nothing is
// found, the result is v itself), so treat the result as read-only, as v is.
func (r *Redactor) Value(v any) (any, []Found) {
	w := r.walker(false, true)
	out := w.walk(v)
	return out, w.result()
}

// JSON redacts a JSON document. The output is compact, with object keys sorted, unless nothing was found, in
// which case it is a copy of b. Bytes that are not valid JSON are redacted as text.
func (r *Redactor) JSON(b []byte) ([]byte, []Found) {
	v, ok := decodeJSON(b)
	if !ok {
		s, found := r.Text(string(b))
		return []byte(s), found
	}
	// The decoded tree is ours alone, so it is rewritten in place instead of copied.
	w := r.walker(true, true)
	v = w.walk(v)
	found := w.result()
	if len(found) == 0 {
		return bytes.Clone(b), nil
	}
	return encodeJSON(v), found
}

// Text redacts secrets found by shape, as written fields (`"password":"…"`, `token=…`) and by remembered
// value in free text such as an error message or a log line.
func (r *Redactor) Text(s string) (string, []Found) {
	w := r.walker(false, false)
	out := w.text(s)
	return out, w.result()
}

func decodeJSON(b []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // numbers come back exactly as they were written
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	// One value and nothing after it but white space, as json.Valid would require.
	if len(bytes.TrimLeft(b[dec.InputOffset():], " \t\r\n")) != 0 {
		return nil, false
	}
	return v, true
}

func encodeJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only values built by the walker reach here, and those always encode; fail closed all the same.
		return []byte(strconv.Quote(DefaultPlaceholder))
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// pathSeg is one step of the JSON path to the value being walked; the path is rendered only when a secret is
// found, so that clean values cost nothing.
type pathSeg struct {
	key   string
	index int
	isKey bool
}

type walker struct {
	r       *Redactor
	inPlace bool
	path    []pathSeg
	found   []Found
	// changes counts the values the walker replaced; a container compares it before and after visiting a child
	// to learn whether the child changed, and copies itself only then.
	changes int
}

// walker returns a walker for one call. A walk of values needs a path; a walk of text never goes below "$", so
// it gets none and allocates nothing when the text is clean.
func (r *Redactor) walker(inPlace, values bool) *walker {
	w := &walker{r: r, inPlace: inPlace}
	if values {
		w.path = make([]pathSeg, 0, 16)
	}
	return w
}

func (w *walker) result() []Found {
	// Map order is random; a stable order makes results and audit lines reproducible.
	sort.SliceStable(w.found, func(i, j int) bool { return w.found[i].Path < w.found[j].Path })
	return w.found
}

func (w *walker) pathString() string {
	var b strings.Builder
	b.WriteByte('$')
	for _, s := range w.path {
		switch {
		case !s.isKey:
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.index))
			b.WriteByte(']')
		case isPlainKey(s.key):
			b.WriteByte('.')
			b.WriteString(s.key)
		default:
			b.WriteByte('[')
			b.WriteString(strconv.Quote(s.key))
			b.WriteByte(']')
		}
	}
	return b.String()
}

func isPlainKey(k string) bool {
	if k == "" || ('0' <= k[0] && k[0] <= '9') {
		return false
	}
	for i := 0; i < len(k); i++ {
		if !isWordChar(k[i]) {
			return false
		}
	}
	return true
}

// withhold records a secret at the current path and returns its placeholder.
func (w *walker) withhold(value string) string {
	w.changes++
	p := w.pathString()
	w.found = append(w.found, Found{Path: p, Value: value})
	return w.r.placeholderFor(p)
}

// walk redacts an ordinary value: secret field names and secret shapes inside strings.
func (w *walker) walk(v any) any {
	// Unchanged strings, and containers rewritten in place, are returned as the v they came in: boxing them into
	// a new interface value would allocate once per node.
	switch t := v.(type) {
	case map[string]any:
		out := w.object(t, modeNormal)
		if w.inPlace {
			return v
		}
		return out
	case []any:
		before := w.changes
		out := w.array(t, modeNormal)
		if w.inPlace || w.changes == before {
			return v // the same slice: boxing it again would allocate a slice header
		}
		return out
	case string:
		if red := w.text(t); len(red) != len(t) || red != t {
			return red
		}
		return v
	case nil, bool, float64, json.Number, float32, int, int8, int16, int32, int64,
		uint, uint8, uint16, uint32, uint64:
		return t
	default:
		return w.other(v, modeNormal)
	}
}

// mode says how the walker treats a value: as ordinary data, as the value of a secret field, or as part of a
// whole-block secret field such as credentials.
type mode uint8

const (
	modeNormal mode = iota
	modeSecret
	modeWhole
)

func (w *walker) visit(v any, m mode) any {
	if m == modeNormal {
		return w.walk(v)
	}
	return w.secret(v, m)
}

// secret redacts a value that sits under a secret field name: every leaf is withheld, whatever its type, except
// the descriptive children listed in structuralFields (never inside a whole block).
func (w *walker) secret(v any, m mode) any {
	switch t := v.(type) {
	case nil:
		return nil
	case string:
		if t == "" {
			return t // nothing to hide, and the reader learns the field was empty
		}
		return w.withhold(t)
	case map[string]any:
		return w.object(t, m)
	case []any:
		return w.array(t, m)
	case json.RawMessage, []byte:
		return w.other(v, m)
	default:
		b, err := json.Marshal(t)
		if err != nil {
			return w.withhold(fmt.Sprint(t))
		}
		return w.withhold(string(b))
	}
}

// childMode decides how a child of an object walked in mode m is treated, from its normalized field name.
func (w *walker) childMode(m mode, norm []byte, siblings map[string]any) mode {
	switch m {
	case modeWhole:
		return modeWhole
	case modeSecret:
		if structuralFields[string(norm)] {
			return modeNormal
		}
		if wholeBlockFields[string(norm)] {
			return modeWhole
		}
		return modeSecret
	}
	if !w.r.isSecretName(norm) || isBucketKey(norm, siblings) {
		return modeNormal
	}
	if wholeBlockFields[string(norm)] {
		return modeWhole
	}
	return modeSecret
}

func (w *walker) object(obj map[string]any, m mode) map[string]any {
	// Rewritten in place, or copied on the first change (an object without secrets is returned as it is).
	var out map[string]any
	if w.inPlace {
		out = obj
	}
	var renamed map[string]string
	for k, c := range obj {
		key := k
		if red, changed := w.key(k); changed {
			key = red
			if renamed == nil {
				renamed = make(map[string]string)
			}
			renamed[k] = key
		}
		w.path = append(w.path, pathSeg{key: key, isKey: true})
		var buf [64]byte
		before := w.changes
		red := w.visit(c, w.childMode(m, appendNormalized(buf[:0], k), obj))
		if out == nil && w.changes != before {
			out = maps.Clone(obj)
		}
		if out != nil {
			out[k] = red
		}
		w.path = w.path[:len(w.path)-1]
	}
	if out == nil {
		if renamed == nil {
			return obj
		}
		out = maps.Clone(obj)
	}
	// Keys are renamed after the loop, so that ranging over obj stays sound when it is rewritten in place. Keys
	// that redact to the same text get a number; the counter carries over so that many collisions stay linear.
	n := 1
	for old, key := range renamed {
		c := out[old]
		delete(out, old)
		for _, taken := out[key]; taken; _, taken = out[key] {
			n++
			key = renamed[old] + " #" + strconv.Itoa(n)
		}
		out[key] = c
	}
	return out
}

// key redacts a secret found by shape in an object key (an invitation token used as a map key, say).
func (w *walker) key(k string) (string, bool) {
	spans := w.spans(k)
	if len(spans) == 0 {
		return k, false
	}
	return w.replace(k, spans), true
}

func (w *walker) array(a []any, m mode) []any {
	// Rewritten in place, or copied on the first change (an array without secrets is returned as it is).
	var out []any
	if w.inPlace {
		out = a
	}
	for i, e := range a {
		w.path = append(w.path, pathSeg{index: i})
		before := w.changes
		red := w.visit(e, m)
		if out == nil && w.changes != before {
			out = slices.Clone(a)
		}
		if out != nil {
			out[i] = red
		}
		w.path = w.path[:len(w.path)-1]
	}
	if out == nil {
		return a
	}
	return out
}

// other handles values that are not in encoding/json's generic form. JSON bytes are decoded, redacted and
// returned as the same type; any other Go value goes through encoding/json and comes back in generic form.
func (w *walker) other(v any, m mode) any {
	// The value comes back converted (generic form, or new bytes), so the container holding it must take it.
	w.changes++
	var raw []byte
	switch t := v.(type) {
	case json.RawMessage:
		raw = t
	case []byte:
		raw = t
	default:
		b, err := json.Marshal(v)
		if err != nil {
			if m != modeNormal {
				return w.withhold(fmt.Sprint(v))
			}
			return w.text(fmt.Sprint(v))
		}
		dv, _ := decodeJSON(b)
		return w.private(dv, m)
	}
	_, isRaw := v.(json.RawMessage)
	var out []byte
	if dv, ok := decodeJSON(raw); ok {
		out = encodeJSON(w.private(dv, m))
	} else {
		var s string
		if m != modeNormal {
			s = w.withhold(string(raw))
		} else {
			s = w.text(string(raw))
		}
		out = []byte(s)
		if isRaw {
			out = encodeJSON(s) // a RawMessage must stay valid JSON
		}
	}
	if isRaw {
		return json.RawMessage(out)
	}
	return out
}

// private visits a tree that the walker decoded itself and may therefore rewrite in place.
func (w *walker) private(v any, m mode) any {
	saved := w.inPlace
	w.inPlace = true
	out := w.visit(v, m)
	w.inPlace = saved
	return out
}

// text redacts one string at the current path.
func (w *walker) text(s string) string {
	spans := w.spans(s)
	if len(spans) == 0 {
		return s
	}
	return w.replace(s, spans)
}

// spans returns the merged, ordered byte ranges of s that hold secrets.
func (w *walker) spans(s string) []span {
	if len(s) < minRememberLen {
		return nil // shorter than any secret any finder or Remember accepts
	}
	var spans []span
	spans = findCloudKeys(s, spans)
	spans = findPEMKeys(s, spans)
	spans = findURLPasswords(s, spans)
	spans = findAuthorization(s, spans)
	spans = findEncodedPairs(s, spans)
	spans = w.r.findFieldPairs(s, spans)
	spans = w.r.memory().find(s, spans)
	return mergeSpans(dropPlaceholders(s, spans))
}

// placeholderMark starts DefaultPlaceholder and, by convention, every placeholder callers pass.
const placeholderMark = "[REDACTED"

// dropPlaceholders removes spans that start at an earlier placeholder, as in `password=[REDACTED: …]`, so that
// redacting a redacted text again (a result, then the audit line quoting it) changes nothing.
func dropPlaceholders(s string, spans []span) []span {
	out := spans[:0]
	for _, sp := range spans {
		rest := s[sp.start:]
		if strings.HasPrefix(rest, placeholderMark) ||
			(sp.start > 0 && s[sp.start-1] == '[' && strings.HasPrefix(rest, placeholderMark[1:])) {
			continue
		}
		out = append(out, sp)
	}
	return out
}

func mergeSpans(spans []span) []span {
	if len(spans) < 2 {
		return spans
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	out := spans[:1]
	for _, sp := range spans[1:] {
		last := &out[len(out)-1]
		if sp.start <= last.end {
			last.end = max(last.end, sp.end)
			continue
		}
		out = append(out, sp)
	}
	return out
}

func (w *walker) replace(s string, spans []span) string {
	var b strings.Builder
	prev := 0
	for _, sp := range spans {
		b.WriteString(s[prev:sp.start])
		b.WriteString(w.withhold(s[sp.start:sp.end]))
		prev = sp.end
	}
	b.WriteString(s[prev:])
	return b.String()
}
