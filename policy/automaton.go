package policy

// Elasticsearch decides every "does this grant cover that?" question by
// comparing Lucene automata: index name patterns, privilege action patterns
// and run_as patterns are all languages over strings. This file is a small
// automaton library with the operations the policy needs: build from a
// wildcard or /regex/ pattern, union, intersection, difference, subset,
// emptiness. Automata are deterministic and complete over bytes, so every
// operation is a product construction over reachable states.

type dfa struct {
	next   [][256]int32
	accept []bool
}

// nfa is a Thompson automaton used while parsing; it is determinized at once.
type nfa struct {
	eps   [][]int
	edges [][]nedge
}

type nedge struct {
	lo, hi byte
	to     int
}

func (n *nfa) add() int {
	n.eps = append(n.eps, nil)
	n.edges = append(n.edges, nil)
	return len(n.eps) - 1
}

func (n *nfa) epsilon(from, to int) { n.eps[from] = append(n.eps[from], to) }
func (n *nfa) edge(from int, lo, hi byte, to int) {
	n.edges[from] = append(n.edges[from], nedge{lo, hi, to})
}

// frag is a sub-automaton with one entry and one exit state.
type frag struct{ in, out int }

func (n *nfa) empty() frag {
	a, b := n.add(), n.add()
	n.epsilon(a, b)
	return frag{a, b}
}

func (n *nfa) none() frag { return frag{n.add(), n.add()} }

func (n *nfa) rng(lo, hi byte) frag {
	a, b := n.add(), n.add()
	n.edge(a, lo, hi, b)
	return frag{a, b}
}

func (n *nfa) anyString() frag {
	a := n.add()
	n.edge(a, 0, 255, a)
	return frag{a, a}
}

func (n *nfa) concat(fs ...frag) frag {
	if len(fs) == 0 {
		return n.empty()
	}
	for i := 1; i < len(fs); i++ {
		n.epsilon(fs[i-1].out, fs[i].in)
	}
	return frag{fs[0].in, fs[len(fs)-1].out}
}

func (n *nfa) union(fs ...frag) frag {
	a, b := n.add(), n.add()
	for _, f := range fs {
		n.epsilon(a, f.in)
		n.epsilon(f.out, b)
	}
	return frag{a, b}
}

func (n *nfa) star(f frag) frag {
	a, b := n.add(), n.add()
	n.epsilon(a, f.in)
	n.epsilon(a, b)
	n.epsilon(f.out, f.in)
	n.epsilon(f.out, b)
	return frag{a, b}
}

func (n *nfa) literal(s string) frag {
	fs := make([]frag, 0, len(s))
	for i := 0; i < len(s); i++ {
		fs = append(fs, n.rng(s[i], s[i]))
	}
	return n.concat(fs...)
}

// embed copies a DFA into the NFA as a fragment (used for ~ and &, which
// need determinized operands).
func (n *nfa) embed(d *dfa) frag {
	base := len(n.eps)
	for range d.next {
		n.add()
	}
	out := n.add()
	for s := range d.next {
		for c := 0; c < 256; {
			t := d.next[s][c]
			e := c
			for e+1 < 256 && d.next[s][e+1] == t {
				e++
			}
			n.edge(base+s, byte(c), byte(e), base+int(t))
			c = e + 1
		}
		if d.accept[s] {
			n.epsilon(base+s, out)
		}
	}
	return frag{base, out}
}

func (n *nfa) closure(set []int) []int {
	seen := make(map[int]bool, len(set))
	stack := append([]int(nil), set...)
	for _, s := range set {
		seen[s] = true
	}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, t := range n.eps[s] {
			if !seen[t] {
				seen[t] = true
				stack = append(stack, t)
			}
		}
	}
	out := make([]int, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	sortInts(out)
	return out
}

func sortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

func setKey(set []int) string {
	b := make([]byte, 0, len(set)*3)
	for _, s := range set {
		b = append(b, byte(s), byte(s>>8), byte(s>>16))
	}
	return string(b)
}

// maxDeterminizedStates bounds the subset construction like Lucene's
// Operations.DEFAULT_DETERMINIZE_WORK_LIMIT bounds it for Elasticsearch: a
// pattern such as /(a|b)*a(a|b){40}/ is refused as too complex instead of
// exhausting memory.
const maxDeterminizedStates = 10000

type tooComplex struct{}

// determinize is the subset construction; the result is complete (the empty
// set becomes a dead state). It panics with tooComplex beyond
// maxDeterminizedStates; Pattern recovers and reports an error.
func (n *nfa) determinize(f frag) *dfa {
	d := &dfa{}
	index := map[string]int32{}
	var queue [][]int
	addState := func(set []int) int32 {
		k := setKey(set)
		if i, ok := index[k]; ok {
			return i
		}
		i := int32(len(d.next))
		if i >= maxDeterminizedStates {
			panic(tooComplex{})
		}
		index[k] = i
		d.next = append(d.next, [256]int32{})
		acc := false
		for _, s := range set {
			if s == f.out {
				acc = true
			}
		}
		d.accept = append(d.accept, acc)
		queue = append(queue, set)
		return i
	}
	addState(n.closure([]int{f.in}))
	for qi := 0; qi < len(queue); qi++ {
		set := queue[qi]
		var targets [256][]int
		for _, s := range set {
			for _, e := range n.edges[s] {
				for c := int(e.lo); c <= int(e.hi); c++ {
					targets[c] = append(targets[c], e.to)
				}
			}
		}
		cache := map[string]int32{}
		for c := 0; c < 256; c++ {
			k := setKey(targets[c])
			t, ok := cache[k]
			if !ok {
				t = addState(n.closure(targets[c]))
				cache[k] = t
			}
			d.next[qi][c] = t
		}
	}
	return d.minimize()
}

func (d *dfa) complement() *dfa {
	out := &dfa{next: d.next, accept: make([]bool, len(d.accept))}
	for i, a := range d.accept {
		out.accept[i] = !a
	}
	return out
}

// product combines two complete DFAs state by state; keep decides acceptance.
// The result is minimized, so that chains of unions stay small.
func product(a, b *dfa, keep func(x, y bool) bool) *dfa {
	d := &dfa{}
	nb := int64(len(b.next))
	// A dense index while the pair space is small, a map beyond.
	var dense []int32
	var sparse map[int64]int32
	if int64(len(a.next))*nb <= 1<<20 {
		dense = make([]int32, int64(len(a.next))*nb)
		for i := range dense {
			dense[i] = -1
		}
	} else {
		sparse = map[int64]int32{}
	}
	var queue [][2]int32
	addState := func(x, y int32) int32 {
		k := int64(x)*nb + int64(y)
		if dense != nil {
			if i := dense[k]; i >= 0 {
				return i
			}
		} else if i, ok := sparse[k]; ok {
			return i
		}
		i := int32(len(d.next))
		if dense != nil {
			dense[k] = i
		} else {
			sparse[k] = i
		}
		d.next = append(d.next, [256]int32{})
		d.accept = append(d.accept, keep(a.accept[x], b.accept[y]))
		queue = append(queue, [2]int32{x, y})
		return i
	}
	addState(0, 0)
	for qi := 0; qi < len(queue); qi++ {
		p := queue[qi]
		an, bn := &a.next[p[0]], &b.next[p[1]]
		for c := 0; c < 256; c++ {
			d.next[qi][c] = addState(an[c], bn[c])
		}
	}
	return d.minimize()
}

// search walks the product of a and b and reports whether some string
// reaches a state pair where found holds (a subset or overlap test that
// stops early instead of building the product).
func search(a, b *dfa, found func(x, y bool) bool) bool {
	nb := int64(len(b.next))
	// A dense visited set while the pair space is small, a map beyond.
	var dense []bool
	var sparse map[int64]bool
	if int64(len(a.next))*nb <= 1<<20 {
		dense = make([]bool, int64(len(a.next))*nb)
	} else {
		sparse = map[int64]bool{}
	}
	visit := func(k int64) bool {
		if dense != nil {
			if dense[k] {
				return false
			}
			dense[k] = true
			return true
		}
		if sparse[k] {
			return false
		}
		sparse[k] = true
		return true
	}
	visit(0)
	queue := [][2]int32{{0, 0}}
	for qi := 0; qi < len(queue); qi++ {
		p := queue[qi]
		if found(a.accept[p[0]], b.accept[p[1]]) {
			return true
		}
		an, bn := &a.next[p[0]], &b.next[p[1]]
		for c := 0; c < 256; c++ {
			x, y := an[c], bn[c]
			if visit(int64(x)*nb + int64(y)) {
				queue = append(queue, [2]int32{x, y})
			}
		}
	}
	return false
}

// byteClasses returns one representative of each group of bytes that every
// state treats alike. Name patterns mention few distinct bytes, so
// refinement compares a handful of transitions per state instead of 256.
func (d *dfa) byteClasses() []byte {
	seen := make(map[string]bool)
	col := make([]byte, 0, 4*len(d.next))
	var reps []byte
	for c := 0; c < 256; c++ {
		col = col[:0]
		for s := range d.next {
			t := d.next[s][c]
			col = append(col, byte(t), byte(t>>8), byte(t>>16), byte(t>>24))
		}
		if !seen[string(col)] {
			seen[string(col)] = true
			reps = append(reps, byte(c))
		}
	}
	return reps
}

// minimize is Moore's partition refinement.
func (d *dfa) minimize() *dfa {
	n := len(d.next)
	class := make([]int32, n)
	for i, acc := range d.accept {
		if acc {
			class[i] = 1
		}
	}
	reps := d.byteClasses()
	count := 0
	for {
		sig := map[string]int32{}
		next := make([]int32, n)
		buf := make([]byte, 0, 4*(len(reps)+1))
		for s := 0; s < n; s++ {
			buf = buf[:0]
			buf = append(buf, byte(class[s]), byte(class[s]>>8), byte(class[s]>>16), byte(class[s]>>24))
			for _, c := range reps {
				t := class[d.next[s][c]]
				buf = append(buf, byte(t), byte(t>>8), byte(t>>16), byte(t>>24))
			}
			k := string(buf)
			id, ok := sig[k]
			if !ok {
				id = int32(len(sig))
				sig[k] = id
			}
			next[s] = id
		}
		class = next
		if len(sig) == count {
			break
		}
		count = len(sig)
	}
	// Renumber so that the start state stays 0.
	renum := make([]int32, count)
	for i := range renum {
		renum[i] = -1
	}
	out := &dfa{next: make([][256]int32, count), accept: make([]bool, count)}
	nextID := int32(0)
	order := make([]int, 0, n)
	order = append(order, 0)
	for s := 1; s < n; s++ {
		order = append(order, s)
	}
	for _, s := range order {
		if renum[class[s]] < 0 {
			renum[class[s]] = nextID
			nextID++
		}
	}
	for s := 0; s < n; s++ {
		c := renum[class[s]]
		out.accept[c] = d.accept[s]
		for ch := 0; ch < 256; ch++ {
			out.next[c][ch] = renum[class[d.next[s][ch]]]
		}
	}
	return out
}

// witness returns a shortest accepted string, or false when the language is
// empty.
func (d *dfa) witness() (string, bool) {
	type back struct {
		from int32
		c    byte
	}
	prev := map[int32]back{0: {-1, 0}}
	queue := []int32{0}
	for qi := 0; qi < len(queue); qi++ {
		s := queue[qi]
		if d.accept[s] {
			var b []byte
			for cur := s; prev[cur].from >= 0; cur = prev[cur].from {
				b = append(b, prev[cur].c)
			}
			for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
				b[i], b[j] = b[j], b[i]
			}
			return string(b), true
		}
		// Prefer printable characters so that witnesses read well.
		for _, c := range witnessOrder {
			t := d.next[s][c]
			if _, ok := prev[t]; !ok {
				prev[t] = back{s, c}
				queue = append(queue, t)
			}
		}
	}
	return "", false
}

var witnessOrder = func() []byte {
	var out []byte
	for _, r := range "abcdefghijklmnopqrstuvwxyz0123456789-_.:/*" {
		out = append(out, byte(r))
	}
	seen := map[byte]bool{}
	for _, c := range out {
		seen[c] = true
	}
	for c := 0; c < 256; c++ {
		if !seen[byte(c)] {
			out = append(out, byte(c))
		}
	}
	return out
}()
