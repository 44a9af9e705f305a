package stackemu

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The _query/user, _query/role and _query/api_key endpoints accept a
// restricted Query DSL over a fixed set of keyword fields (reference §5.6,
// §6.6, §9). This file evaluates that subset in memory.

type queryDoc struct {
	id  string
	src map[string]any // queryable fields
	out map[string]any // response object
}

type sortKey struct {
	field string
	desc  bool
	// format renders a date sort value in _sort ("date_time",
	// "strict_date_optional_time", "epoch_millis"...); "" leaves epoch millis.
	format string
}

type queryReq struct {
	kind        string
	fields      map[string]bool
	query       *jv
	from, size  int
	sort        []sortKey
	searchAfter []any
	aggs        *jv
	now         time.Time
}

type queryResult struct {
	total int
	hits  []map[string]any
	aggs  map[string]any
}

func (x *rctx) parseQueryRequest(kind string, fields map[string]bool, allowAggs bool) (*queryReq, bool) {
	req := &queryReq{kind: kind, fields: fields, size: 10, now: x.c.now()}
	v, ok := x.jsonBody(false)
	if !ok {
		return nil, false
	}
	if v == nil {
		return req, true
	}
	if v.kind != 'o' {
		x.fail(parseError("request body must be an object"))
		return nil, false
	}
	for _, kv := range v.obj {
		switch kv.key {
		case "query":
			req.query = kv.val
		case "from", "size":
			if kv.val == nil || kv.val.kind != 'n' {
				x.fail(badRequest("x_content_parse_exception", "[1:1] ["+kind+"] failed to parse field ["+kv.key+"]"))
				return nil, false
			}
			n, err := strconv.Atoi(kv.val.num.String())
			if err != nil || n < 0 {
				x.fail(illegalArg("[" + kv.key + "] parameter cannot be negative, found [" + kv.val.num.String() + "]"))
				return nil, false
			}
			if kv.key == "from" {
				req.from = n
			} else {
				req.size = n
			}
		case "sort":
			s, e := parseSort(kv.val)
			if e != nil {
				x.fail(e)
				return nil, false
			}
			req.sort = s
		case "search_after":
			if kv.val == nil || kv.val.kind != 'a' {
				x.fail(badRequest("x_content_parse_exception", "[1:1] ["+kind+"] failed to parse field [search_after]"))
				return nil, false
			}
			req.searchAfter = kv.val.toAny().([]any)
		case "aggs", "aggregations":
			if !allowAggs {
				x.fail(badRequest("x_content_parse_exception", "[1:1] ["+kind+"] unknown field ["+kv.key+"]"))
				return nil, false
			}
			req.aggs = kv.val
		default:
			x.fail(badRequest("x_content_parse_exception", "[1:1] ["+kind+"] unknown field ["+kv.key+"]"))
			return nil, false
		}
	}
	if req.from+req.size > 10000 {
		x.fail(illegalArg("Result window is too large, from + size must be less than or equal to: [10000] but was [" +
			strconv.Itoa(req.from+req.size) + "]."))
		return nil, false
	}
	if req.query != nil {
		if e := req.checkQuery(req.query); e != nil {
			x.fail(e)
			return nil, false
		}
	}
	return req, true
}

func parseSort(v *jv) ([]sortKey, *esError) {
	var items []*jv
	if v != nil && v.kind == 'a' {
		items = v.arr
	} else {
		items = []*jv{v}
	}
	var out []sortKey
	for _, it := range items {
		switch {
		case it != nil && it.kind == 's':
			out = append(out, sortKey{field: it.str})
		case it != nil && it.kind == 'o' && len(it.obj) == 1:
			k, val := it.obj[0].key, it.obj[0].val
			desc, format := false, ""
			if val != nil && val.kind == 's' {
				desc = strings.EqualFold(val.str, "desc")
			} else if o := val.get("order"); o != nil && o.kind == 's' {
				desc = strings.EqualFold(o.str, "desc")
			}
			if f := val.get("format"); f != nil && f.kind == 's' {
				format = f.str
			}
			out = append(out, sortKey{field: k, desc: desc, format: format})
		default:
			return nil, parseError("malformed sort format")
		}
	}
	return out, nil
}

func (q *queryReq) fieldAllowed(f string) bool {
	if q.fields[f] {
		return true
	}
	for allowed := range q.fields {
		if strings.HasSuffix(allowed, ".*") && strings.HasPrefix(f, strings.TrimSuffix(allowed, "*")) {
			return true
		}
	}
	return false
}

var supportedQueries = map[string]bool{"match_all": true, "bool": true, "term": true, "terms": true, "match": true,
	"ids": true, "prefix": true, "wildcard": true, "exists": true, "range": true, "simple_query_string": true}

// checkQuery validates query names and fields before evaluation.
func (q *queryReq) checkQuery(v *jv) *esError {
	if v == nil || v.kind != 'o' || len(v.obj) != 1 {
		return badRequest("parsing_exception", "[_na] query malformed, must start with start_object")
	}
	name, body := v.obj[0].key, v.obj[0].val
	if !supportedQueries[name] {
		if knownQueries[name] {
			return illegalArg("Query type [" + name + "] is not currently supported in this context")
		}
		return badRequest("parsing_exception", "unknown query ["+name+"]")
	}
	if body == nil || body.kind != 'o' {
		return badRequest("parsing_exception", "["+name+"] query malformed, no start_object after query name")
	}
	switch name {
	case "bool":
		for _, kv := range body.obj {
			switch kv.key {
			case "must", "filter", "should", "must_not":
				clauses := []*jv{kv.val}
				if kv.val != nil && kv.val.kind == 'a' {
					clauses = kv.val.arr
				}
				for _, c := range clauses {
					if e := q.checkQuery(c); e != nil {
						return e
					}
				}
			case "minimum_should_match", "boost", "_name":
			default:
				return badRequest("parsing_exception", "[bool] query does not support ["+kv.key+"]")
			}
		}
	case "term", "terms", "match", "prefix", "wildcard", "range":
		for _, kv := range body.obj {
			if kv.key == "boost" || kv.key == "_name" {
				continue
			}
			if !q.fieldAllowed(kv.key) {
				return illegalArg("Field [" + kv.key + "] is not allowed for querying")
			}
		}
	case "exists":
		f := body.get("field")
		if f == nil || f.kind != 's' {
			return badRequest("parsing_exception", "[exists] must be provided with a [field]")
		}
		if !q.fieldAllowed(f.str) {
			return illegalArg("Field [" + f.str + "] is not allowed for querying")
		}
	}
	return nil
}

func lookup(src map[string]any, field string) (any, bool) {
	if v, ok := src[field]; ok {
		return v, true
	}
	parts := strings.Split(field, ".")
	var cur any = src
	for _, p := range parts {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		cur, ok = m[p]
		if !ok {
			return nil, false
		}
	}
	return cur, true
}

// values flattens a field value into its indexed values.
func values(v any) []any {
	if a, ok := v.([]any); ok {
		var out []any
		for _, e := range a {
			out = append(out, values(e)...)
		}
		return out
	}
	if a, ok := v.([]string); ok {
		return anyStrings(a)
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

func asString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	case bool:
		return strconv.FormatBool(t)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func asFloat(v any) (float64, bool) {
	switch t := v.(type) {
	case json.Number:
		f, err := t.Float64()
		return f, err == nil
	case float64:
		return t, true
	case int64:
		return float64(t), true
	case int:
		return float64(t), true
	case string:
		f, err := strconv.ParseFloat(t, 64)
		return f, err == nil
	}
	return 0, false
}

func valueEqual(doc, q any) bool {
	if df, ok := asFloat(doc); ok {
		if _, isStr := doc.(string); !isStr {
			qf, ok := asFloat(q)
			return ok && df == qf
		}
	}
	return asString(doc) == asString(q)
}

// termValue reads {"field": value} or {"field": {"value": value}}.
func termValue(v *jv) any {
	if v != nil && v.kind == 'o' {
		if val := v.get("value"); val != nil {
			return val.toAny()
		}
	}
	return v.toAny()
}

func (q *queryReq) match(v *jv, d queryDoc) bool {
	if v == nil {
		return true
	}
	name, body := v.obj[0].key, v.obj[0].val
	fieldVals := func() (string, []any, *jv) {
		for _, kv := range body.obj {
			if kv.key == "boost" || kv.key == "_name" {
				continue
			}
			raw, _ := lookup(d.src, kv.key)
			return kv.key, values(raw), kv.val
		}
		return "", nil, nil
	}
	switch name {
	case "match_all":
		return true
	case "bool":
		should, hasShould, mustOrFilter := 0, false, false
		for _, kv := range body.obj {
			clauses := []*jv{kv.val}
			if kv.val != nil && kv.val.kind == 'a' {
				clauses = kv.val.arr
			}
			for _, c := range clauses {
				switch kv.key {
				case "must", "filter":
					mustOrFilter = true
					if !q.match(c, d) {
						return false
					}
				case "must_not":
					if q.match(c, d) {
						return false
					}
				case "should":
					hasShould = true
					if q.match(c, d) {
						should++
					}
				}
			}
		}
		min := 0
		if hasShould && !mustOrFilter {
			min = 1
		}
		if m := body.get("minimum_should_match"); m != nil {
			if n, err := strconv.Atoi(asString(m.toAny())); err == nil {
				min = n
			}
		}
		return should >= min
	case "term", "match":
		_, vals, qv := fieldVals()
		want := termValue(qv)
		if qv != nil && qv.kind == 'o' && qv.get("query") != nil {
			want = qv.get("query").toAny()
		}
		for _, dv := range vals {
			if valueEqual(dv, want) {
				return true
			}
			if name == "match" {
				if s, ok := dv.(string); ok && tokensOverlap(s, asString(want)) {
					return true
				}
			}
		}
		return false
	case "terms":
		_, vals, qv := fieldVals()
		if qv == nil || qv.kind != 'a' {
			return false
		}
		for _, dv := range vals {
			for _, w := range qv.arr {
				if valueEqual(dv, w.toAny()) {
					return true
				}
			}
		}
		return false
	case "ids":
		if vs := body.get("values"); vs != nil {
			l, _ := vs.stringList()
			for _, id := range l {
				if id == d.id {
					return true
				}
			}
		}
		return false
	case "prefix", "wildcard":
		_, vals, qv := fieldVals()
		pat := asString(termValue(qv))
		if qv != nil && qv.kind == 'o' && qv.get("wildcard") != nil {
			pat = qv.get("wildcard").str
		}
		ci := qv != nil && qv.kind == 'o' && qv.get("case_insensitive") != nil && qv.get("case_insensitive").b
		for _, dv := range vals {
			s := asString(dv)
			p := pat
			if ci {
				s, p = strings.ToLower(s), strings.ToLower(p)
			}
			if name == "prefix" && strings.HasPrefix(s, p) {
				return true
			}
			if name == "wildcard" && globSubset(s, p) {
				return true
			}
		}
		return false
	case "exists":
		raw, ok := lookup(d.src, body.get("field").str)
		return ok && len(values(raw)) > 0
	case "range":
		_, vals, qv := fieldVals()
		if qv == nil || qv.kind != 'o' {
			return false
		}
		for _, dv := range vals {
			if q.inRange(dv, qv) {
				return true
			}
		}
		return false
	case "simple_query_string":
		text := ""
		if s := body.get("query"); s != nil {
			text = s.str
		}
		var fields []string
		if f := body.get("fields"); f != nil {
			fields, _ = f.stringList()
		}
		if len(fields) == 0 {
			for f := range q.fields {
				if !strings.HasSuffix(f, "*") {
					fields = append(fields, f)
				}
			}
		}
		for _, tok := range strings.Fields(text) {
			for _, f := range fields {
				raw, _ := lookup(d.src, f)
				for _, dv := range values(raw) {
					s := strings.ToLower(asString(dv))
					t := strings.ToLower(tok)
					if strings.HasSuffix(t, "*") && strings.HasPrefix(s, strings.TrimSuffix(t, "*")) || s == t ||
						tokensOverlap(s, t) {
						return true
					}
				}
			}
		}
		return false
	}
	return false
}

func tokensOverlap(a, b string) bool {
	split := func(s string) []string {
		return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
		})
	}
	set := map[string]bool{}
	for _, t := range split(a) {
		set[t] = true
	}
	for _, t := range split(b) {
		if set[t] {
			return true
		}
	}
	return false
}

// inRange compares numbers, dates (epoch millis, with "now±Nu" date math)
// and strings.
func (q *queryReq) inRange(dv any, r *jv) bool {
	for _, kv := range r.obj {
		bound := kv.val.toAny()
		if s, ok := bound.(string); ok && strings.HasPrefix(s, "now") {
			if ms, ok := q.dateMath(s); ok {
				bound = json.Number(strconv.FormatInt(ms, 10))
			}
		}
		cmp := compareValues(dv, bound)
		switch kv.key {
		case "gt":
			if cmp <= 0 {
				return false
			}
		case "gte":
			if cmp < 0 {
				return false
			}
		case "lt":
			if cmp >= 0 {
				return false
			}
		case "lte":
			if cmp > 0 {
				return false
			}
		}
	}
	return true
}

func (q *queryReq) dateMath(s string) (int64, bool) {
	base := q.now.UnixMilli()
	rest := strings.TrimPrefix(s, "now")
	if rest == "" {
		return base, true
	}
	if len(rest) < 3 || (rest[0] != '+' && rest[0] != '-') {
		return 0, false
	}
	d, err := parseTimeValue(rest[1:])
	if err != nil {
		return 0, false
	}
	if rest[0] == '-' {
		return base - d.Milliseconds(), true
	}
	return base + d.Milliseconds(), true
}

func compareValues(a, b any) int {
	af, aok := asFloat(a)
	bf, bok := asFloat(b)
	_, aStr := a.(string)
	if aok && bok && !aStr {
		switch {
		case af < bf:
			return -1
		case af > bf:
			return 1
		}
		return 0
	}
	return strings.Compare(asString(a), asString(b))
}

func (q *queryReq) run(docs []queryDoc, tieBreak string) (*queryResult, *esError) {
	var hits []queryDoc
	for _, d := range docs {
		if q.query == nil || q.match(q.query, d) {
			hits = append(hits, d)
		}
	}
	keys := q.sort
	sortVals := func(d queryDoc) []any {
		out := make([]any, 0, len(keys))
		for _, k := range keys {
			raw, _ := lookup(d.src, k.field)
			vs := values(raw)
			if len(vs) == 0 {
				out = append(out, nil)
			} else {
				out = append(out, vs[0])
			}
		}
		return out
	}
	sort.SliceStable(hits, func(i, j int) bool {
		a, b := sortVals(hits[i]), sortVals(hits[j])
		for n, k := range keys {
			c := compareValues(a[n], b[n])
			if c != 0 {
				return (c < 0) != k.desc
			}
		}
		ta, _ := lookup(hits[i].src, tieBreak)
		tb, _ := lookup(hits[j].src, tieBreak)
		if c := compareValues(ta, tb); c != 0 {
			return c < 0
		}
		return hits[i].id < hits[j].id
	})
	total := len(hits)
	if q.searchAfter != nil && len(keys) > 0 {
		var rest []queryDoc
		for _, h := range hits {
			sv := sortVals(h)
			after := false
			for n, k := range keys {
				if n >= len(q.searchAfter) {
					break
				}
				c := compareValues(sv[n], searchAfterValue(sv[n], q.searchAfter[n]))
				if c != 0 {
					after = (c > 0) != k.desc
					break
				}
			}
			if after {
				rest = append(rest, h)
			}
		}
		hits = rest
	}
	res := &queryResult{total: total, hits: []map[string]any{}}
	for i := q.from; i < len(hits) && i < q.from+q.size; i++ {
		out := map[string]any{}
		for k, v := range hits[i].out {
			out[k] = v
		}
		if len(keys) > 0 {
			vals := sortVals(hits[i])
			for n, k := range keys {
				vals[n] = formatSortValue(vals[n], k.format)
			}
			out["_sort"] = vals
		}
		res.hits = append(res.hits, out)
	}
	if q.aggs != nil {
		aggs, e := q.runAggs(q.aggs, hits)
		if e != nil {
			return nil, e
		}
		res.aggs = aggs
	}
	return res, nil
}

// runAggs supports the aggregation types most used over API keys: terms,
// value_count, cardinality, missing and filter.
func (q *queryReq) runAggs(spec *jv, docs []queryDoc) (map[string]any, *esError) {
	if spec.kind != 'o' {
		return nil, parseError("aggregations must be an object")
	}
	out := map[string]any{}
	for _, kv := range spec.obj {
		name, def := kv.key, kv.val
		if def == nil || def.kind != 'o' || len(def.obj) == 0 {
			return nil, parseError("Aggregation definition for [" + name + "] must be an object")
		}
		typ, body := def.obj[0].key, def.obj[0].val
		field := ""
		if body != nil && body.get("field") != nil {
			field = body.get("field").str
			if !q.fieldAllowed(field) {
				return nil, illegalArg("Field [" + field + "] is not allowed for querying or aggregation")
			}
		}
		switch typ {
		case "terms":
			size := 10
			if s := body.get("size"); s != nil {
				size, _ = strconv.Atoi(s.num.String())
			}
			counts := map[string]int{}
			for _, d := range docs {
				raw, _ := lookup(d.src, field)
				for _, v := range values(raw) {
					counts[asString(v)]++
				}
			}
			var keys []string
			for k := range counts {
				keys = append(keys, k)
			}
			sort.Slice(keys, func(i, j int) bool {
				if counts[keys[i]] != counts[keys[j]] {
					return counts[keys[i]] > counts[keys[j]]
				}
				return keys[i] < keys[j]
			})
			buckets := []any{}
			other := 0
			for i, k := range keys {
				if i < size {
					buckets = append(buckets, map[string]any{"key": k, "doc_count": counts[k]})
				} else {
					other += counts[k]
				}
			}
			out[name] = map[string]any{"doc_count_error_upper_bound": 0, "sum_other_doc_count": other, "buckets": buckets}
		case "value_count", "cardinality", "missing":
			n := 0
			distinct := map[string]bool{}
			for _, d := range docs {
				raw, _ := lookup(d.src, field)
				vs := values(raw)
				if typ == "missing" && len(vs) == 0 {
					n++
				}
				if typ == "value_count" {
					n += len(vs)
				}
				for _, v := range vs {
					distinct[asString(v)] = true
				}
			}
			if typ == "cardinality" {
				n = len(distinct)
			}
			if typ == "missing" {
				out[name] = map[string]any{"doc_count": n}
			} else {
				out[name] = map[string]any{"value": n}
			}
		case "filter":
			if e := q.checkQuery(body); e != nil {
				return nil, e
			}
			n := 0
			for _, d := range docs {
				if q.match(body, d) {
					n++
				}
			}
			out[name] = map[string]any{"doc_count": n}
		default:
			return nil, illegalArg("Unsupported API Keys agg [" + name + "] of type [" + typ + "]")
		}
	}
	return out, nil
}

// formatSortValue renders an epoch-millis date sort value in a named date
// format, as a sort's "format" option does; other values pass unchanged.
func formatSortValue(v any, format string) any {
	ms, ok := asFloat(v)
	if _, isString := v.(string); !ok || isString || format == "" || format == "epoch_millis" {
		return v
	}
	t := time.UnixMilli(int64(ms)).UTC()
	switch format {
	case "epoch_second":
		return t.Unix()
	case "date":
		return t.Format("2006-01-02")
	default: // date_time, strict_date_optional_time, date_optional_time...
		return t.Format("2006-01-02T15:04:05.000Z")
	}
}

// searchAfterValue reads a search_after value against a sort value: a date
// string sent back for an epoch-millis sort compares as its millis.
func searchAfterValue(sortVal, after any) any {
	s, isString := after.(string)
	if _, numeric := asFloat(sortVal); !isString || !numeric {
		return after
	}
	if _, sortIsString := sortVal.(string); sortIsString {
		return after
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000Z", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return float64(t.UnixMilli())
		}
	}
	return after
}
