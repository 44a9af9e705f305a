package toolkit

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/cloudapi"
	"github.com/go-playground/validator/v10"
)

// The validator is built once: go-playground/validator caches struct
// metadata, and building it per call would cost more than the call.
var (
	validateOnce sync.Once
	validate     *validator.Validate
)

func validatorInstance() *validator.Validate {
	validateOnce.Do(func() {
		v := validator.New(validator.WithRequiredStructEnabled())
		// Report JSON names, which is what the model sent.
		v.RegisterTagNameFunc(func(f reflect.StructField) string {
			name := strings.SplitN(f.Tag.Get("json"), ",", 2)[0]
			if name == "-" {
				return ""
			}
			return name
		})
		must(v.RegisterValidation("esname", func(fl validator.FieldLevel) bool { return ValidESName(fl.Field().String()) == nil }))
		must(v.RegisterValidation("duration", func(fl validator.FieldLevel) bool {
			_, err := ParseDuration(fl.Field().String())
			return err == nil
		}))
		must(v.RegisterValidation("cloudrole", func(fl validator.FieldLevel) bool { return cloudapi.IsRoleID(fl.Field().String()) }))
		validate = v
	})
	return validate
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// validateArgs runs the struct's `validate` tags and turns the failures into
// one sentence per argument.
func validateArgs(v any) error {
	err := validatorInstance().Struct(v)
	if err == nil {
		return nil
	}
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		return InvalidArgs("%v", err)
	}
	// One sentence per argument, for the first ten: a list of thousands of
	// bad entries gets a short answer.
	const maxProblems = 10
	msgs := make([]string, 0, min(len(ves), maxProblems+1))
	for _, fe := range ves[:min(len(ves), maxProblems)] {
		msgs = append(msgs, describeFieldError(fe))
	}
	if more := len(ves) - maxProblems; more > 0 {
		msgs = append(msgs, fmt.Sprintf("and %d more problems", more))
	}
	return InvalidArgs("%s", strings.Join(msgs, "; "))
}

func describeFieldError(fe validator.FieldError) string {
	// Namespace is "Struct.field[0].sub"; drop the struct name.
	field := fe.Namespace()
	if i := strings.IndexByte(field, '.'); i >= 0 {
		field = field[i+1:]
	}
	switch fe.Tag() {
	case "required":
		return fmt.Sprintf("%s is required", field)
	case "required_without", "required_without_all":
		return fmt.Sprintf("%s is required unless %s is given", field, fe.Param())
	case "excluded_with":
		return fmt.Sprintf("%s cannot be combined with %s", field, fe.Param())
	case "email":
		return fmt.Sprintf("%s: %q is not a valid email address", field, fe.Value())
	case "min":
		return fmt.Sprintf("%s must have at least %s item(s) or characters", field, fe.Param())
	case "max":
		return fmt.Sprintf("%s must have at most %s item(s) or characters", field, fe.Param())
	case "gte", "lte", "gt", "lt":
		return fmt.Sprintf("%s must be %s %s", field, map[string]string{"gte": ">=", "lte": "<=", "gt": ">", "lt": "<"}[fe.Tag()], fe.Param())
	case "oneof":
		return fmt.Sprintf("%s must be one of: %s", field, strings.ReplaceAll(fe.Param(), " ", ", "))
	case "esname":
		return fmt.Sprintf("%s: %v", field, ValidESName(fmt.Sprint(fe.Value())))
	case "duration":
		return fmt.Sprintf("%s: %q is not a duration; use a number and a unit such as 30d, 12h, 90m", field, fe.Value())
	case "cloudrole":
		return fmt.Sprintf("%s: %q is not an Elastic Cloud role id; valid ids are %s", field, fe.Value(), strings.Join(cloudapi.RoleIDs(), ", "))
	case "dive":
		return fmt.Sprintf("%s is invalid", field)
	}
	return fmt.Sprintf("%s failed the %q check", field, fe.Tag())
}

// ValidESName checks an Elasticsearch user or role name by the native realm's
// rules: 1 to 507 printable Basic Latin characters, no leading or trailing
// space. The message is Elasticsearch's own, so it reads the same whether we
// or the cluster refuse it.
func ValidESName(name string) error {
	ok := len(name) >= 1 && len(name) <= 507 && !strings.HasPrefix(name, " ") && !strings.HasSuffix(name, " ")
	for i := 0; ok && i < len(name); i++ {
		if name[i] < 0x20 || name[i] > 0x7e {
			ok = false
		}
	}
	if !ok {
		return fmt.Errorf("names must be at least 1 and no more than 507 characters. They can contain alphanumeric characters (a-z, A-Z, 0-9), spaces, punctuation, and printable symbols in the Basic Latin (ASCII) block. Leading or trailing whitespace is not allowed")
	}
	return nil
}

var durationPattern = regexp.MustCompile(`^([0-9]{1,6})(d|h|m|s)$`)

// ParseDuration reads the durations both Elastic APIs accept for expiry:
// a whole number with one unit, d, h, m or s ("30d", "12h").
func ParseDuration(s string) (time.Duration, error) {
	m := durationPattern.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("%q is not a duration; use a number and a unit such as 30d, 12h, 90m", s)
	}
	n, _ := strconv.Atoi(m[1])
	if n == 0 {
		return 0, fmt.Errorf("%q: a duration must be greater than zero", s)
	}
	unit := map[string]time.Duration{"d": 24 * time.Hour, "h": time.Hour, "m": time.Minute, "s": time.Second}[m[2]]
	return time.Duration(n) * unit, nil
}

// FormatDuration writes a duration back in the Elastic form, in the largest
// whole unit.
func FormatDuration(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}
