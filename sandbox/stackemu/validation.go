package stackemu

import (
	"strconv"
	"strings"
	"unicode/utf16"
)

// Native-realm names are limited to 507 characters: the 512-byte document-id
// limit minus the "user-"/"role-" prefix (NativeRealmValidationUtil). The
// generic role-descriptor parser allows 1024 (Validation.Roles).
const (
	nativeNameMax  = 507
	genericNameMax = 1024
	descriptionMax = 2048
	minPasswordLen = 6
	apiKeyNameMax  = 256
)

// javaLen counts UTF-16 code units, as String.length() does.
func javaLen(s string) int { return len(utf16.Encode([]rune(s))) }

// validName applies Validation.isValidUserOrRoleName: printable Basic Latin
// only, no leading or trailing space, 1..max characters.
func validName(name string, max int) bool {
	n := javaLen(name)
	if n < 1 || n > max {
		return false
	}
	for _, r := range name {
		if r < 0x20 || r > 0x7e {
			return false
		}
	}
	return !strings.HasPrefix(name, " ") && !strings.HasSuffix(name, " ")
}

func nameRulesMsg(kind string, max int) string {
	return kind + " names must be at least 1 and no more than " + strconv.Itoa(max) + " characters. They can " +
		"contain alphanumeric characters (a-z, A-Z, 0-9), spaces, punctuation, and printable symbols in the Basic " +
		"Latin (ASCII) block. Leading or trailing whitespace is not allowed."
}

func userNameMsg() string { return nameRulesMsg("User", nativeNameMax) }

func roleNameMsg(max int) string { return nameRulesMsg("Role", max) }

func hasUnderscoreKey(m map[string]any) bool {
	for k := range m {
		if strings.HasPrefix(k, "_") {
			return true
		}
	}
	return false
}

func passwordTooShortMsg() string {
	return "passwords must be at least [" + strconv.Itoa(minPasswordLen) + "] characters long"
}
