package redact

import (
	"encoding/base64"
	"strings"
)

// span is a byte range [start, end) of a string that holds a secret.
type span struct{ start, end int }

// Each finder below starts with a cheap test (a substring or one pass over the bytes) so that the ids, emails and
// timestamps that make up most of a listing cost a few nanoseconds each.

const (
	cloudKeyPrefix = "essu_"
	// minCloudKeyBody keeps prose such as "keys start with essu_" or the docs' "essu_…" from being taken for a key;
	// real Cloud keys carry far more than this after the prefix.
	minCloudKeyBody = 16
	// minPairRun and maxPairRun bound the base64 runs decoded in search of "id:key": an Elasticsearch encoded
	// key is 60 characters, Basic credentials usually 20 to 100.
	minPairRun = 20
	maxPairRun = 1024
	// minSchemeToken is the shortest credential taken after a bare "ApiKey"/"Basic"/"Bearer" outside an
	// Authorization header, so that "Bearer token required" stays readable.
	minSchemeToken = 12
)

// findCloudKeys finds Elastic Cloud API keys: "essu_" followed by base64 characters.
func findCloudKeys(s string, spans []span) []span {
	for from := 0; ; {
		i := strings.Index(s[from:], cloudKeyPrefix)
		if i < 0 {
			return spans
		}
		start := from + i
		end := start + len(cloudKeyPrefix)
		for end < len(s) && isB64Char(s[end]) {
			end++
		}
		for end < len(s) && s[end] == '=' {
			end++
		}
		if end-start-len(cloudKeyPrefix) >= minCloudKeyBody {
			spans = append(spans, span{start, end})
		}
		from = end
	}
}

// findPEMKeys finds PEM private key blocks of any kind (RSA, EC, OPENSSH, ENCRYPTED, PKCS#8). A block whose END
// line is missing, as in a truncated message, is withheld up to the end of the text.
func findPEMKeys(s string, spans []span) []span {
	const begin, dashes, end = "-----BEGIN ", "-----", "-----END "
	for from := 0; ; {
		i := strings.Index(s[from:], begin)
		if i < 0 {
			return spans
		}
		start := from + i
		labelStart := start + len(begin)
		j := strings.Index(s[labelStart:], dashes)
		if j < 0 {
			return spans
		}
		label := s[labelStart : labelStart+j]
		from = labelStart + j + len(dashes)
		if !strings.HasSuffix(label, "PRIVATE KEY") {
			continue
		}
		stop := len(s)
		if k := strings.Index(s[from:], end); k >= 0 {
			stop = from + k + len(end)
			if m := strings.Index(s[stop:], dashes); m >= 0 {
				stop += m + len(dashes)
			} else {
				stop = len(s)
			}
		}
		spans = append(spans, span{start, stop})
		from = stop
	}
}

// findURLPasswords finds the password in URLs of the form scheme://user:password@host. The user name stays, so
// that the reader still sees whose credentials they were.
func findURLPasswords(s string, spans []span) []span {
	for from := 0; ; {
		i := strings.Index(s[from:], "://")
		if i < 0 {
			return spans
		}
		authStart := from + i + 3
		authEnd := authStart
		for authEnd < len(s) && !endsAuthority(s[authEnd]) {
			authEnd++
		}
		from = authEnd
		if from == authStart {
			from++
			if from >= len(s) {
				return spans
			}
			continue
		}
		authority := s[authStart:authEnd]
		at := strings.LastIndexByte(authority, '@')
		if at < 0 {
			continue
		}
		colon := strings.IndexByte(authority[:at], ':')
		if colon < 0 || colon+1 == at {
			continue
		}
		spans = append(spans, span{authStart + colon + 1, authStart + at})
	}
}

func endsAuthority(c byte) bool {
	switch c {
	case '/', '?', '#', '"', '\'', '<', '>', '`', '\\', ' ', '\t', '\n', '\r':
		return true
	}
	return false
}

// authSchemes are the HTTP authentication schemes whose credentials follow the scheme name.
var authSchemes = []string{"apikey", "basic", "bearer", "token", "digest", "negotiate", "ntlm"}

// findAuthorization finds credentials in HTTP Authorization headers written as text ("Authorization: ApiKey
// …", `"authorization":"Bearer …"`), and bare "ApiKey …", "Basic …" and "Bearer …" values elsewhere.
func findAuthorization(s string, spans []span) []span {
	for i := 0; i < len(s); i++ {
		switch s[i] | 0x20 {
		case 'a':
			if hasPrefixFold(s[i:], "authorization") {
				if sp, ok := headerCredential(s, i+len("authorization")); ok {
					spans = append(spans, sp)
					i = sp.end - 1
					continue
				}
			}
			if hasPrefixFold(s[i:], "apikey") {
				if sp, ok := schemeCredential(s, i, len("apikey")); ok {
					spans = append(spans, sp)
					i = sp.end - 1
				}
			}
		case 'b':
			for _, w := range [...]string{"basic", "bearer"} {
				if hasPrefixFold(s[i:], w) {
					if sp, ok := schemeCredential(s, i, len(w)); ok {
						spans = append(spans, sp)
						i = sp.end - 1
					}
					break
				}
			}
		}
	}
	return spans
}

// headerCredential parses what follows the word "authorization" at i: optional closing quotes, ':' or '=', an
// optional opening quote or '[', an optional scheme name, then the credential up to the next delimiter.
func headerCredential(s string, i int) (span, bool) {
	i = skipAny(s, i, "\"'\\ \t")
	if i >= len(s) || (s[i] != ':' && s[i] != '=') {
		return span{}, false
	}
	i = skipAny(s, i+1, "\"'\\[ \t")
	if w := wordEnd(s, i); w > i && w < len(s) && (s[w] == ' ' || s[w] == '\t') && isScheme(s[i:w]) {
		i = skipAny(s, w, " \t")
	}
	end := i
	for end < len(s) && !endsCredential(s[end]) {
		end++
	}
	if end == i || isPlaceholderToken(s[i:end]) {
		return span{}, false
	}
	return span{i, end}, true
}

// isPlaceholderToken reports the stand-ins documentation and instructions put
// where a credential goes ("<value>", "$API_KEY", "{{token}}", "…", "***"):
// no real credential starts with these characters, and taking them for one
// garbles the instruction and withholds nothing.
func isPlaceholderToken(tok string) bool {
	if strings.HasPrefix(tok, "…") || strings.HasPrefix(tok, "...") {
		return true
	}
	switch tok[0] {
	case '<', '$', '{', '[', '(', '*':
		return true
	}
	return false
}

// schemeCredential takes the token after a bare scheme name at i. Outside a header only tokens that look like
// encoded credentials count, which keeps "Basic realm=\"security\"" in a 401 answer and English prose intact.
func schemeCredential(s string, i, n int) (span, bool) {
	if i > 0 && isWordChar(s[i-1]) {
		return span{}, false
	}
	j := i + n
	if j >= len(s) || (s[j] != ' ' && s[j] != '\t') {
		return span{}, false
	}
	j = skipAny(s, j, " \t")
	end := j
	for end < len(s) && isTokenChar(s[end]) {
		end++
	}
	tok := s[j:end]
	if len(tok) < minSchemeToken {
		return span{}, false
	}
	body := strings.TrimRight(tok, "=")
	if strings.IndexByte(body, '=') >= 0 || (end < len(s) && s[end] == '"' && len(body) < len(tok)) {
		return span{}, false // an auth-param such as realm="…", not a credential
	}
	if !strings.ContainsAny(tok, "0123456789+/=") {
		return span{}, false
	}
	return span{j, end}, true
}

func isScheme(w string) bool {
	for _, s := range authSchemes {
		if strings.EqualFold(w, s) {
			return true
		}
	}
	return false
}

func endsCredential(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '"', '\'', ',', ';', '\\', ']', '}', '>', '&':
		return true
	}
	return false
}

// findEncodedPairs finds base64 runs that decode to "id:key" or "user:password", which is what an Elasticsearch
// encoded API key and HTTP Basic credentials are. Random ids and hex digests decode to unprintable bytes and are
// left alone.
func findEncodedPairs(s string, spans []span) []span {
	for i := 0; i < len(s); {
		if !isB64Char(s[i]) {
			i++
			continue
		}
		start := i
		for i < len(s) && isB64Char(s[i]) {
			i++
		}
		for i < len(s) && s[i] == '=' && i-start < maxPairRun {
			i++
		}
		run := s[start:i]
		if len(run) >= minPairRun && len(run) <= maxPairRun {
			if decodesToPair(run) {
				spans = append(spans, span{start, i})
			}
		}
	}
	return spans
}

func decodesToPair(run string) bool {
	body := strings.TrimRight(run, "=")
	enc := base64.RawStdEncoding
	if strings.ContainsAny(body, "-_") {
		if strings.ContainsAny(body, "+/") {
			return false
		}
		enc = base64.RawURLEncoding
	}
	// Most long runs (hex digests, random ids) fail on their first three bytes; check those before allocating.
	var head [3]byte
	if _, err := enc.Decode(head[:], []byte(body[:4])); err != nil || !printable(head[:]) {
		return false
	}
	buf := make([]byte, enc.DecodedLen(len(body)))
	n, err := enc.Decode(buf, []byte(body))
	if err != nil {
		return false
	}
	return isPair(buf[:n])
}

func printable(b []byte) bool {
	for _, c := range b {
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}

// isPair reports whether b looks like "id:key": printable, no spaces, an identifier before the first colon and at
// least 6 characters after it (Elasticsearch's shortest password). "https://…" is not a pair.
func isPair(b []byte) bool {
	colon := -1
	for i, c := range b {
		if c < 0x21 || c > 0x7e {
			return false
		}
		if c == ':' && colon < 0 {
			colon = i
		}
	}
	if colon < 1 || len(b)-colon-1 < 6 || colon > 256 {
		return false
	}
	for _, c := range b[:colon] {
		if !isWordChar(c) && c != '.' && c != '@' && c != '-' {
			return false
		}
	}
	return b[colon+1] != '/'
}

// findFieldPairs finds secret fields written as text, as in a truncated JSON body or a log line: `"password":
// "…"`, `"key": 123`, `"token": ["…"]` (also with the quotes escaped, for JSON inside a JSON string) and
// `password=…` in query strings and logfmt. Objects under a secret name are left to their own fields, except a
// credentials block, which is withheld whole.
func (r *Redactor) findFieldPairs(s string, spans []span) []span {
	if strings.IndexByte(s, '"') >= 0 {
		spans = r.findQuotedFields(s, spans)
	}
	if strings.IndexByte(s, '=') >= 0 {
		spans = r.findAssignedFields(s, spans)
	}
	return spans
}

func (r *Redactor) findQuotedFields(s string, spans []span) []span {
	for i := 0; i < len(s); i++ {
		if s[i] != '"' {
			continue
		}
		nameStart := i + 1
		nameEnd := nameStart
		for nameEnd < len(s) && isFieldChar(s[nameEnd]) {
			nameEnd++
		}
		escaped := false
		closeAt := nameEnd
		if closeAt < len(s) && s[closeAt] == '\\' {
			escaped = true
			closeAt++
		}
		if nameEnd == nameStart || closeAt >= len(s) || s[closeAt] != '"' {
			continue
		}
		var buf [64]byte
		norm := appendNormalized(buf[:0], s[nameStart:nameEnd])
		if !r.isSecretName(norm) {
			i = nameEnd - 1
			continue
		}
		j := skipAny(s, closeAt+1, " \t\r\n")
		if j >= len(s) || s[j] != ':' {
			i = closeAt
			continue
		}
		j = skipAny(s, j+1, " \t\r\n")
		if sp, ok := fieldValue(s, j, escaped, wholeBlockFields[string(norm)]); ok {
			spans = append(spans, sp)
			i = sp.end
		} else {
			i = j - 1
		}
	}
	return spans
}

// fieldValue returns the span of the JSON value starting at j: a string's content, a scalar, or a whole array
// (or object, when whole is set).
func fieldValue(s string, j int, escaped, whole bool) (span, bool) {
	if j >= len(s) {
		return span{}, false
	}
	switch c := s[j]; {
	case c == '"' || (escaped && c == '\\' && j+1 < len(s) && s[j+1] == '"'):
		start := j + 1
		if c == '\\' {
			start++
		}
		end := start
		for end < len(s) {
			if escaped && strings.HasPrefix(s[end:], "\\\"") {
				break
			}
			if !escaped && s[end] == '"' {
				break
			}
			if !escaped && s[end] == '\\' {
				end++
			}
			end++
		}
		end = min(end, len(s))
		return span{start, end}, end > start
	case c == '[' || (c == '{' && whole):
		return span{j, balancedEnd(s, j)}, true
	case c == '{':
		return span{}, false
	default:
		end := j
		for end < len(s) && !strings.ContainsRune(",}] \t\r\n\\", rune(s[end])) {
			end++
		}
		if end == j || s[j:end] == "null" {
			return span{}, false
		}
		return span{j, end}, true
	}
}

// balancedEnd returns the end of the bracketed value at j, ignoring brackets inside strings; an unbalanced value
// runs to the end of the text.
func balancedEnd(s string, j int) int {
	depth, inString := 0, false
	for k := j; k < len(s); k++ {
		c := s[k]
		switch {
		case inString && c == '\\':
			k++
		case c == '"':
			inString = !inString
		case inString:
		case c == '[' || c == '{':
			depth++
		case c == ']' || c == '}':
			depth--
			if depth == 0 {
				return k + 1
			}
		}
	}
	return len(s)
}

func (r *Redactor) findAssignedFields(s string, spans []span) []span {
	for i := 1; i < len(s); i++ {
		if s[i] != '=' {
			continue
		}
		nameStart := i
		for nameStart > 0 && isFieldChar(s[nameStart-1]) {
			nameStart--
		}
		if nameStart == i || (nameStart > 0 && isB64Char(s[nameStart-1])) {
			continue
		}
		var buf [64]byte
		if !r.isSecretName(appendNormalized(buf[:0], s[nameStart:i])) {
			continue
		}
		start, end := i+1, i+1
		if end < len(s) && (s[end] == '"' || s[end] == '\'') {
			q := s[end]
			start++
			end = start
			for end < len(s) && s[end] != q {
				end++
			}
		} else {
			for end < len(s) && !strings.ContainsRune(" \t\r\n&;,\"'<>)]}", rune(s[end])) {
				end++
			}
		}
		if end > start {
			spans = append(spans, span{start, end})
			i = end
		}
	}
	return spans
}

func hasPrefixFold(s, lowerPrefix string) bool {
	return len(s) >= len(lowerPrefix) && strings.EqualFold(s[:len(lowerPrefix)], lowerPrefix)
}

func skipAny(s string, i int, chars string) int {
	for i < len(s) && strings.IndexByte(chars, s[i]) >= 0 {
		i++
	}
	return i
}

func wordEnd(s string, i int) int {
	for i < len(s) && isWordChar(s[i]) {
		i++
	}
	return i
}

func isWordChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}

func isFieldChar(c byte) bool { return isWordChar(c) || c == '-' }

// isB64Char accepts both the standard and the URL-safe base64 alphabets (padding is handled by the callers).
func isB64Char(c byte) bool { return isWordChar(c) || c == '-' || c == '+' || c == '/' }

func isTokenChar(c byte) bool { return isB64Char(c) || c == '=' || c == '.' || c == '~' }
