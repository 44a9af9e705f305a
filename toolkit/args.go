package toolkit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// decodeArgs turns the call's arguments into the tool's input struct. Unknown
// keys are rejected with the list of valid ones, and type mismatches name the
// argument, so the model can correct its call instead of getting a silently
// different answer.
func decodeArgs(args map[string]any, dst any, keys []string) error {
	var unknown []string
	for k := range args {
		if !contains(keys, k) && k != argDryRun && k != argConfirm {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return InvalidArgs("unknown argument(s) %s; valid arguments are: %s",
			quoteList(unknown), strings.Join(withoutMachineryKeys(keys), ", "))
	}
	clean := make(map[string]any, len(args))
	for k, v := range args {
		if k == argDryRun || k == argConfirm {
			continue
		}
		clean[k] = v
	}
	b, err := json.Marshal(clean)
	if err != nil {
		return InvalidArgs("arguments are not valid JSON: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			field := te.Field
			if field == "" {
				field = "arguments"
			}
			return InvalidArgs("argument %q must be %s, not %s", field, jsonKind(te.Type.Kind().String()), te.Value)
		}
		return InvalidArgs("arguments could not be read: %v", err)
	}
	return nil
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	case "int", "int64", "int32", "uint", "uint64", "uint32", "float64", "float32":
		return "a number"
	}
	return "of type " + goKind
}

func withoutMachineryKeys(keys []string) []string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if k != argDryRun && k != argConfirm {
			out = append(out, k)
		}
	}
	if contains(keys, argDryRun) {
		out = append(out, argDryRun)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// quoteList quotes the first ten names, each shortened: the answer to a
// request with thousands of made-up keys stays small.
func quoteList(list []string) string {
	const maxNames, maxLen = 10, 80
	q := make([]string, 0, min(len(list), maxNames))
	for _, s := range list[:min(len(list), maxNames)] {
		if len(s) > maxLen {
			s = s[:maxLen] + "..."
		}
		q = append(q, fmt.Sprintf("%q", s))
	}
	if more := len(list) - len(q); more > 0 {
		q = append(q, fmt.Sprintf("and %d more", more))
	}
	return strings.Join(q, ", ")
}
