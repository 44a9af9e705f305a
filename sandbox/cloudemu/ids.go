package cloudemu

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Every identifier and secret is drawn from crypto/rand at run time; nothing
// secret-looking is ever written into the source.

// randomString draws n characters uniformly from alphabet (at most 256
// characters), rejecting bytes past the largest multiple of its length.
func randomString(alphabet string, n int) string {
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/2+8)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			panic("cloudemu: crypto/rand failed: " + err.Error())
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("cloudemu: crypto/rand failed: " + err.Error())
	}
	return b
}

// Formats follow the examples of reference §1.5: numeric organization and
// user ids, 32-character lower-case project ids. Key ids and invitation
// tokens are opaque there, so they look like Elasticsearch-style ids.
func newOrganizationID() string { return randomString("123456789", 1) + randomString("0123456789", 11) }
func newUserID() string         { return randomString("123456789", 1) + randomString("0123456789", 15) }
func newProjectID() string      { return randomString("abcdefghijklmnopqrstuvwxyz0123456789", 32) }
func newHexID() string          { return randomString("0123456789abcdef", 32) }
func newKeyID() string          { return base64.RawURLEncoding.EncodeToString(randomBytes(15)) }
func newInvitationToken() string {
	return base64.RawURLEncoding.EncodeToString(randomBytes(24))
}

// newKeySecret returns a Cloud API key: "essu_" followed by base64 text, the
// shape of the documented example (reference §1.2).
func newKeySecret() string { return "essu_" + base64.StdEncoding.EncodeToString(randomBytes(48)) }

func hashSecret(s string) [sha256.Size]byte { return sha256.Sum256([]byte(s)) }

// parseDurationSpec reads the duration strings clients send for
// expires_in and expiration: "7d", "72h", "30d" (the units seen in the
// sources), plus anything time.ParseDuration accepts ("90m", "1h30m"), since
// other units are not ruled out by the reference.
func parseDurationSpec(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty duration")
	}
	var d time.Duration
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil {
			return 0, errors.New("invalid duration " + strconv.Quote(s) + ": use a number of days or hours, such as 7d or 72h")
		}
		d = time.Duration(days) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, errors.New("invalid duration " + strconv.Quote(s) + ": use a number of days or hours, such as 7d or 72h")
		}
	}
	if d <= 0 {
		return 0, errors.New("duration " + strconv.Quote(s) + " must be positive")
	}
	return d, nil
}

// nameFromEmail gives synthetic members a display name: "alice@..." → "Alice".
func nameFromEmail(email string) string {
	local, _, _ := strings.Cut(email, "@")
	if local == "" {
		return ""
	}
	return strings.ToUpper(local[:1]) + local[1:]
}
