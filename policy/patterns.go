package policy

import (
	"fmt"
	"strconv"
	"strings"
)

// Set is a set of names (index names, action names, user names) as
// Elasticsearch's Automatons builds it from patterns. The zero Set is empty.
type Set struct{ d *dfa }

var emptyDFA = func() *dfa { n := &nfa{}; return n.determinize(n.none()) }()

func (s Set) dfa() *dfa {
	if s.d == nil {
		return emptyDFA
	}
	return s.d
}

var everything = func() Set { n := &nfa{}; return Set{n.determinize(n.anyString())} }()

// Everything is the set of all names.
func Everything() Set { return everything }

// Pattern parses one Elasticsearch name pattern: /regex/ is a Lucene regular
// expression over the whole name, anything else a wildcard pattern where *
// matches any string, ? any one character and \ escapes the next character.
func Pattern(p string) (Set, error) {
	if r, ok := patternCache.get(p); ok {
		return r.set, r.err
	}
	s, err := compilePattern(p)
	patternCache.put(p, patternResult{s, err}, s.states()+len(p)/1024)
	return s, err
}

func compilePattern(p string) (s Set, err error) {
	// The common cases need no subset construction: "*" is every name, and a
	// name without wildcards is a chain of states (already minimal).
	if p == "*" {
		return Everything(), nil
	}
	if !strings.HasPrefix(p, "/") && !strings.ContainsAny(p, "*?\\") {
		return Set{literalDFA(p)}, nil
	}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(tooComplex); !ok {
				panic(r)
			}
			s, err = Set{}, fmt.Errorf("invalid pattern [%s]: too complex to evaluate", p)
		}
	}()
	n := &nfa{}
	var f frag
	if strings.HasPrefix(p, "/") {
		if len(p) < 2 || !strings.HasSuffix(p, "/") {
			return Set{}, fmt.Errorf("invalid pattern [%s]: a regular expression must start and end with /", p)
		}
		var err error
		f, err = parseRegexp(n, p[1:len(p)-1])
		if err != nil {
			return Set{}, fmt.Errorf("invalid pattern [%s]: %v", p, err)
		}
	} else {
		f = wildcard(n, p)
	}
	return Set{n.determinize(f)}, nil
}

// MustPattern is Pattern for patterns known to be valid.
func MustPattern(p string) Set {
	s, err := Pattern(p)
	if err != nil {
		panic(err)
	}
	return s
}

// Patterns is the union of several patterns (Automatons.patterns).
func Patterns(ps ...string) (Set, error) {
	out := Set{}
	for _, p := range ps {
		s, err := Pattern(p)
		if err != nil {
			return Set{}, err
		}
		out = out.Union(s)
	}
	return out, nil
}

func mustPatterns(ps ...string) Set {
	s, err := Patterns(ps...)
	if err != nil {
		panic(err)
	}
	return s
}

// literalDFA accepts exactly name: state i has read i bytes of it, state
// len(name) accepts, and the last state is the dead one.
func literalDFA(name string) *dfa {
	dead := int32(len(name) + 1)
	d := &dfa{next: make([][256]int32, len(name)+2), accept: make([]bool, len(name)+2)}
	for s := range d.next {
		for c := range d.next[s] {
			d.next[s][c] = dead
		}
	}
	for i := 0; i < len(name); i++ {
		d.next[i][name[i]] = int32(i + 1)
	}
	d.accept[len(name)] = true
	return d
}

func wildcard(n *nfa, p string) frag {
	var fs []frag
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '*':
			fs = append(fs, n.anyString())
		case '?':
			fs = append(fs, n.rng(0, 255))
		case '\\':
			if i+1 < len(p) {
				i++
			}
			fs = append(fs, n.rng(p[i], p[i]))
		default:
			fs = append(fs, n.rng(c, c))
		}
	}
	return n.concat(fs...)
}

func (s Set) Union(o Set) Set {
	if s.d == nil {
		return o
	}
	if o.d == nil {
		return s
	}
	k := opKey{opUnion, s.d, o.d}
	if d, ok := unionCache.get(k); ok {
		return Set{d}
	}
	d := product(s.d, o.d, func(x, y bool) bool { return x || y })
	unionCache.put(k, d, len(s.d.next)+len(o.d.next)+len(d.next))
	return Set{d}
}

func (s Set) Intersect(o Set) Set {
	return Set{product(s.dfa(), o.dfa(), func(x, y bool) bool { return x && y })}
}

func (s Set) Minus(o Set) Set {
	return Set{product(s.dfa(), o.dfa(), func(x, y bool) bool { return x && !y })}
}

// SubsetOf reports whether every name in s is in o.
func (s Set) SubsetOf(o Set) bool {
	return !cachedSearch(opSubset, s.dfa(), o.dfa(), func(x, y bool) bool { return x && !y })
}

func cachedSearch(op byte, a, b *dfa, found func(x, y bool) bool) bool {
	k := opKey{op, a, b}
	if r, ok := searchCache.get(k); ok {
		return r
	}
	r := search(a, b, found)
	searchCache.put(k, r, len(a.next)+len(b.next))
	return r
}

func (s Set) IsEmpty() bool { _, ok := s.dfa().witness(); return !ok }

// IsTotal reports whether s holds every possible name.
func (s Set) IsTotal() bool { return Everything().SubsetOf(s) }

func (s Set) Overlaps(o Set) bool {
	return cachedSearch(opOverlap, s.dfa(), o.dfa(), func(x, y bool) bool { return x && y })
}

// Contains reports whether the literal name is in s.
func (s Set) Contains(name string) bool {
	d := s.dfa()
	st := int32(0)
	for i := 0; i < len(name); i++ {
		st = d.next[st][name[i]]
	}
	return d.accept[st]
}

// Example returns a shortest name in s, for explanations.
func (s Set) Example() (string, bool) { return s.dfa().witness() }

// parseRegexp parses Lucene's RegExp syntax with all optional features
// enabled, as Elasticsearch's Automatons.pattern does: | union, & intersection,
// ~ complement, * + ? {n} {n,} {n,m} repetition, [..] and [^..] classes,
// . any character, # the empty language, @ any string, "..." a literal,
// <n-m> a numeric interval, \ escapes, and \d \w \s with their negations.
func parseRegexp(n *nfa, src string) (frag, error) {
	p := &reParser{n: n, s: src}
	f, err := p.union()
	if err != nil {
		return frag{}, err
	}
	if p.i < len(p.s) {
		return frag{}, fmt.Errorf("unexpected character %q at position %d", p.s[p.i], p.i)
	}
	return f, nil
}

type reParser struct {
	n *nfa
	s string
	i int
}

func (p *reParser) more() bool       { return p.i < len(p.s) }
func (p *reParser) peek(c byte) bool { return p.i < len(p.s) && p.s[p.i] == c }
func (p *reParser) eat(c byte) bool {
	if p.peek(c) {
		p.i++
		return true
	}
	return false
}

func (p *reParser) union() (frag, error) {
	f, err := p.inter()
	if err != nil {
		return f, err
	}
	fs := []frag{f}
	for p.eat('|') {
		g, err := p.inter()
		if err != nil {
			return g, err
		}
		fs = append(fs, g)
	}
	if len(fs) == 1 {
		return f, nil
	}
	return p.n.union(fs...), nil
}

func (p *reParser) inter() (frag, error) {
	f, err := p.concat()
	if err != nil {
		return f, err
	}
	for p.eat('&') {
		g, err := p.concat()
		if err != nil {
			return g, err
		}
		a, b := p.n.determinize(f), p.n.determinize(g)
		f = p.n.embed(product(a, b, func(x, y bool) bool { return x && y }))
	}
	return f, nil
}

func (p *reParser) concat() (frag, error) {
	var fs []frag
	for p.more() && !p.peek('|') && !p.peek('&') && !p.peek(')') {
		f, err := p.repeat()
		if err != nil {
			return f, err
		}
		fs = append(fs, f)
	}
	return p.n.concat(fs...), nil
}

func (p *reParser) repeat() (frag, error) {
	f, err := p.complement()
	if err != nil {
		return f, err
	}
	for p.more() {
		switch {
		case p.eat('*'):
			f = p.n.star(f)
		case p.eat('+'):
			// f+ = f f*: the fragment cannot be reused, so loop it in place.
			a, b := p.n.add(), p.n.add()
			p.n.epsilon(a, f.in)
			p.n.epsilon(f.out, f.in)
			p.n.epsilon(f.out, b)
			f = frag{a, b}
		case p.eat('?'):
			f = p.n.union(f, p.n.empty())
		case p.peek('{'):
			lo, hi, err := p.bounds()
			if err != nil {
				return f, err
			}
			f = p.n.embed(repeatDFA(p.n.determinize(f), lo, hi))
		default:
			return f, nil
		}
	}
	return f, nil
}

func (p *reParser) bounds() (int, int, error) {
	p.i++ // {
	start := p.i
	for p.more() && p.s[p.i] != '}' {
		p.i++
	}
	if !p.more() {
		return 0, 0, fmt.Errorf("expected '}' at position %d", p.i)
	}
	body := p.s[start:p.i]
	p.i++
	lo, hiS, hasComma := strings.Cut(body, ",")
	l, err := strconv.Atoi(lo)
	if err != nil || l < 0 || l > 100 {
		return 0, 0, fmt.Errorf("invalid repetition {%s}", body)
	}
	if !hasComma {
		return l, l, nil
	}
	if hiS == "" {
		return l, -1, nil
	}
	h, err := strconv.Atoi(hiS)
	if err != nil || h < l || h > 100 {
		return 0, 0, fmt.Errorf("invalid repetition {%s}", body)
	}
	return l, h, nil
}

// repeatDFA builds d{lo,hi} (hi < 0: unbounded) from a determinized operand.
func repeatDFA(d *dfa, lo, hi int) *dfa {
	n := &nfa{}
	var fs []frag
	for i := 0; i < lo; i++ {
		fs = append(fs, n.embed(d))
	}
	if hi < 0 {
		fs = append(fs, n.star(n.embed(d)))
	} else {
		for i := lo; i < hi; i++ {
			fs = append(fs, n.union(n.embed(d), n.empty()))
		}
	}
	return n.determinize(n.concat(fs...))
}

func (p *reParser) complement() (frag, error) {
	if p.eat('~') {
		f, err := p.complement()
		if err != nil {
			return f, err
		}
		return p.n.embed(p.n.determinize(f).complement()), nil
	}
	return p.charClass()
}

func (p *reParser) charClass() (frag, error) {
	if !p.eat('[') {
		return p.simple()
	}
	negate := p.eat('^')
	var ranges [][2]byte
	for p.more() && !p.peek(']') {
		lo, err := p.classChar()
		if err != nil {
			return frag{}, err
		}
		hi := lo
		if p.peek('-') && p.i+1 < len(p.s) && p.s[p.i+1] != ']' {
			p.i++
			if hi, err = p.classChar(); err != nil {
				return frag{}, err
			}
			if hi < lo {
				return frag{}, fmt.Errorf("invalid character range")
			}
		}
		ranges = append(ranges, [2]byte{lo, hi})
	}
	if !p.eat(']') {
		return frag{}, fmt.Errorf("expected ']' at position %d", p.i)
	}
	var in [256]bool
	for _, r := range ranges {
		for c := int(r[0]); c <= int(r[1]); c++ {
			in[c] = true
		}
	}
	return p.byteSet(func(c byte) bool { return in[c] != negate }), nil
}

func (p *reParser) classChar() (byte, error) {
	if p.eat('\\') {
		if !p.more() {
			return 0, fmt.Errorf("dangling escape")
		}
	}
	c := p.s[p.i]
	p.i++
	return c, nil
}

func (p *reParser) byteSet(in func(byte) bool) frag {
	a, b := p.n.add(), p.n.add()
	for c := 0; c < 256; c++ {
		if in(byte(c)) {
			p.n.edge(a, byte(c), byte(c), b)
		}
	}
	return frag{a, b}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isWord(c byte) bool {
	return isDigit(c) || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}
func isSpace(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }

func (p *reParser) simple() (frag, error) {
	if !p.more() {
		return frag{}, fmt.Errorf("unexpected end of expression")
	}
	c := p.s[p.i]
	p.i++
	switch c {
	case '.':
		return p.n.rng(0, 255), nil
	case '#':
		return p.n.none(), nil
	case '@':
		return p.n.anyString(), nil
	case '"':
		end := strings.IndexByte(p.s[p.i:], '"')
		if end < 0 {
			return frag{}, fmt.Errorf("expected '\"' after position %d", p.i)
		}
		lit := p.s[p.i : p.i+end]
		p.i += end + 1
		return p.n.literal(lit), nil
	case '(':
		if p.eat(')') {
			return p.n.empty(), nil
		}
		f, err := p.union()
		if err != nil {
			return f, err
		}
		if !p.eat(')') {
			return f, fmt.Errorf("expected ')' at position %d", p.i)
		}
		return f, nil
	case '<':
		end := strings.IndexByte(p.s[p.i:], '>')
		if end < 0 {
			return frag{}, fmt.Errorf("expected '>' after position %d", p.i)
		}
		body := p.s[p.i : p.i+end]
		p.i += end + 1
		return p.interval(body)
	case '\\':
		if !p.more() {
			return frag{}, fmt.Errorf("dangling escape")
		}
		e := p.s[p.i]
		p.i++
		switch e {
		case 'd':
			return p.byteSet(isDigit), nil
		case 'D':
			return p.byteSet(func(c byte) bool { return !isDigit(c) }), nil
		case 'w':
			return p.byteSet(isWord), nil
		case 'W':
			return p.byteSet(func(c byte) bool { return !isWord(c) }), nil
		case 's':
			return p.byteSet(isSpace), nil
		case 'S':
			return p.byteSet(func(c byte) bool { return !isSpace(c) }), nil
		}
		return p.n.rng(e, e), nil
	case '*', '+', '?', '{', '|', '&', ')':
		return frag{}, fmt.Errorf("unexpected %q at position %d", c, p.i-1)
	}
	return p.n.rng(c, c), nil
}

// interval is Lucene's <min-max>: decimal numbers in the range, with leading
// zeros up to the width of max when both bounds have the same width.
func (p *reParser) interval(body string) (frag, error) {
	lo, hi, ok := strings.Cut(body, "-")
	a, err1 := strconv.Atoi(lo)
	b, err2 := strconv.Atoi(hi)
	if !ok || err1 != nil || err2 != nil || a > b || b-a > 10000 {
		return frag{}, fmt.Errorf("invalid numeric interval <%s>", body)
	}
	width := 0
	if len(lo) == len(hi) {
		width = len(hi)
	}
	var fs []frag
	for v := a; v <= b; v++ {
		s := strconv.Itoa(v)
		if width > 0 {
			s = strings.Repeat("0", max(0, width-len(s))) + s
			fs = append(fs, p.n.literal(s))
			continue
		}
		// Any number of leading zeros.
		fs = append(fs, p.n.concat(p.n.star(p.n.rng('0', '0')), p.n.literal(s)))
	}
	return p.n.union(fs...), nil
}

// IndexExpression is the set a request's index expression names, such as
// "logs-*,-logs-secret": comma-separated names or patterns, where "-name"
// removes names matched so far, as Elasticsearch's index name resolver does
// once a wildcard expression came before it (otherwise it is a plain name).
// Role definitions have no exclusions: there "-foo" is a literal name.
func IndexExpression(expr string) (Set, error) {
	var out Set
	sawWildcard := false
	for _, part := range strings.Split(expr, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if strings.HasPrefix(part, "-") && sawWildcard {
			s, err := Pattern(part[1:])
			if err != nil {
				return Set{}, err
			}
			out = out.Minus(s)
			continue
		}
		s, err := Pattern(part)
		if err != nil {
			return Set{}, err
		}
		if strings.ContainsAny(part, "*?") || strings.HasPrefix(part, "/") {
			sawWildcard = true
		}
		out = out.Union(s)
	}
	if out.d == nil {
		return Set{}, fmt.Errorf("empty index expression")
	}
	return out, nil
}
