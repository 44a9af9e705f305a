package toolkit

import (
	"reflect"
	"strings"
)

// addEnums publishes every closed vocabulary of an input type as a JSON
// schema enum: a field validated with oneof=a b c gets "enum": [a, b, c]
// (on its items when the oneof follows dive). The validate tag stays the
// one source of truth, so the schema a model fills and the check the
// server applies cannot drift apart.
func addEnums(t reflect.Type, schema map[string]any) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return
	}
	props, _ := schema["properties"].(map[string]any)
	if props == nil {
		return
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			addEnums(f.Type, schema)
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		prop, _ := props[name].(map[string]any)
		if prop == nil {
			continue
		}
		beforeDive, afterDive, dived := strings.Cut(f.Tag.Get("validate"), "dive")
		if values := oneOf(beforeDive); values != nil {
			prop["enum"] = values
		}
		if dived {
			if items, _ := prop["items"].(map[string]any); items != nil {
				if values := oneOf(afterDive); values != nil {
					items["enum"] = values
				}
			}
		}
		// Nested input objects (role assignments, index entries, …).
		elem := f.Type
		for elem.Kind() == reflect.Pointer || elem.Kind() == reflect.Slice || elem.Kind() == reflect.Array {
			elem = elem.Elem()
			if items, _ := prop["items"].(map[string]any); items != nil {
				prop = items
			}
		}
		if elem.Kind() == reflect.Map {
			elem = elem.Elem()
			if ap, _ := prop["additionalProperties"].(map[string]any); ap != nil {
				prop = ap
			}
		}
		if elem.Kind() == reflect.Struct {
			addEnums(elem, prop)
		}
	}
}

// oneOf returns the values of a oneof rule in a validate tag, or nil.
func oneOf(rules string) []any {
	for _, r := range strings.Split(rules, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(r), "oneof="); ok {
			var out []any
			for _, s := range strings.Fields(v) {
				out = append(out, s)
			}
			return out
		}
	}
	return nil
}
