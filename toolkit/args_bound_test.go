package toolkit

import (
	"fmt"
	"strings"
	"testing"
)

// Thousands of made-up argument names get a short refusal, not an echo of
// the whole request.
func TestUnknownArgumentsRefusalIsBounded(t *testing.T) {
	args := map[string]any{}
	for i := range 5000 {
		args[fmt.Sprintf("bogus_%04d_%s", i, strings.Repeat("k", 100))] = true
	}
	var dst struct {
		Name string `json:"name"`
	}
	err := decodeArgs(args, &dst, []string{"name"})
	if err == nil {
		t.Fatal("unknown arguments were accepted")
	}
	msg := err.Error()
	if !strings.Contains(msg, "and 4990 more") || !strings.Contains(msg, "valid arguments are: name") {
		t.Errorf("the refusal does not summarize: %.300s", msg)
	}
	if len(msg) > 2<<10 {
		t.Errorf("the refusal of 5000 unknown arguments is %d bytes", len(msg))
	}
}

// Thousands of invalid entries get one sentence each for the first ten.
func TestValidationRefusalIsBounded(t *testing.T) {
	in := struct {
		Names []string `json:"names" validate:"dive,required"`
	}{Names: make([]string, 5000)}
	err := validateArgs(in)
	if err == nil {
		t.Fatal("empty names were accepted")
	}
	msg := err.Error()
	if !strings.Contains(msg, "names[0] is required") || !strings.Contains(msg, "and 4990 more problems") {
		t.Errorf("the refusal does not summarize: %.300s", msg)
	}
	if len(msg) > 2<<10 {
		t.Errorf("the refusal of 5000 empty names is %d bytes", len(msg))
	}
}
