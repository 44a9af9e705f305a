package stackemu

import (
	"strconv"
	"strings"
)

// DLS queries are parsed as top-level queries when a role is written
// (DLSRoleQueryValidator). Template queries ({"template":{...}}) are only
// rendered at search time, so they are not validated here.

var knownQueries = map[string]bool{
	"match_all": true, "match_none": true, "bool": true, "term": true, "terms": true, "match": true,
	"match_phrase": true, "match_phrase_prefix": true, "match_bool_prefix": true, "multi_match": true,
	"range": true, "exists": true, "prefix": true, "wildcard": true, "regexp": true, "fuzzy": true, "ids": true,
	"query_string": true, "simple_query_string": true, "nested": true, "constant_score": true, "dis_max": true,
	"function_score": true, "script": true, "script_score": true, "geo_bounding_box": true, "geo_distance": true,
	"geo_shape": true, "geo_polygon": true, "has_child": true, "has_parent": true, "percolate": true,
	"more_like_this": true, "terms_set": true, "boosting": true, "combined_fields": true, "distance_feature": true,
	"intervals": true, "knn": true, "pinned": true, "rank_feature": true, "shape": true, "wrapper": true,
	"parent_id": true, "sparse_vector": true, "semantic": true, "text_expansion": true, "weighted_tokens": true,
	"span_term": true, "span_near": true, "span_or": true, "span_not": true, "span_first": true,
	"span_containing": true, "span_within": true, "span_multi": true, "field_masking_span": true,
}

// validateDLS checks every non-template query of the descriptor.
func validateDLS(d *roleDescriptor) *esError {
	for i, ip := range d.Indices {
		if ip.Query == "" {
			continue
		}
		v, err := parseJSON([]byte(ip.Query))
		var cause *esError
		switch {
		case err != nil:
			cause = badRequest("x_content_parse_exception", "[1:1] Unexpected character: the query is not valid JSON")
		case v.kind == 'o' && v.has("template"):
			continue
		default:
			cause = checkQuery(v)
		}
		if cause != nil {
			e := parseError("failed to parse field 'query' for indices [" + strings.Join(ip.Names, ",") +
				"] at index privilege [" + strconv.Itoa(i) + "] of role descriptor")
			e.causedBy = cause
			return e
		}
	}
	return nil
}

func checkQuery(v *jv) *esError {
	if v == nil || v.kind != 'o' {
		return badRequest("parsing_exception", "[_na] query malformed, must start with start_object")
	}
	if len(v.obj) == 0 {
		return nil // {} parses as match_all
	}
	if len(v.obj) > 1 {
		return badRequest("parsing_exception", "["+v.obj[0].key+"] malformed query, expected [END_OBJECT] but found [FIELD_NAME]")
	}
	name, body := v.obj[0].key, v.obj[0].val
	if !knownQueries[name] {
		return badRequest("parsing_exception", "unknown query ["+name+"]")
	}
	if body == nil || body.kind != 'o' {
		return badRequest("parsing_exception", "["+name+"] query malformed, no start_object after query name")
	}
	unsupported := func(msg string) *esError {
		e := illegalArg(msg)
		return e
	}
	switch name {
	case "percolate", "has_child", "has_parent":
		return unsupported(name + " query isn't supported as part of a role query")
	case "terms":
		for _, kv := range body.obj {
			if kv.val != nil && kv.val.kind == 'o' && (kv.val.has("index") || kv.val.has("id")) {
				return unsupported("terms query with terms lookup isn't supported as part of a role query")
			}
		}
	case "geo_shape":
		for _, kv := range body.obj {
			if kv.val != nil && kv.val.kind == 'o' && kv.val.has("indexed_shape") {
				return unsupported("geoshape query referring to indexed shapes isn't supported as part of a role query")
			}
		}
	case "bool":
		for _, kv := range body.obj {
			switch kv.key {
			case "must", "filter", "should", "must_not":
				clauses := []*jv{kv.val}
				if kv.val != nil && kv.val.kind == 'a' {
					clauses = kv.val.arr
				}
				for _, c := range clauses {
					if e := checkQuery(c); e != nil {
						return e
					}
				}
			}
		}
	case "constant_score":
		if f := body.get("filter"); f != nil {
			return checkQuery(f)
		}
	case "nested", "function_score", "script_score":
		if q := body.get("query"); q != nil {
			return checkQuery(q)
		}
	case "boosting":
		for _, k := range []string{"positive", "negative"} {
			if q := body.get(k); q != nil {
				if e := checkQuery(q); e != nil {
					return e
				}
			}
		}
	case "dis_max":
		if qs := body.get("queries"); qs != nil && qs.kind == 'a' {
			for _, q := range qs.arr {
				if e := checkQuery(q); e != nil {
					return e
				}
			}
		}
	}
	return nil
}
