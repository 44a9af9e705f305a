package stackemu

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// Passwords are stored as real hashes so that a password_hash supplied on PUT
// user or change password verifies against the original password at login
// (reference §11.1). The emulator hashes with PBKDF2-SHA512 in Elasticsearch's
// {PBKDF2} format and verifies that format and bcrypt.

// 1000 iterations is Elasticsearch's pbkdf2_1000 setting: a client cannot tell the
// count, and a higher one made every sandbox start measurably slower.
const pbkdf2Iterations = 1000

// randomSecret returns n random bytes, URL-safe base64 encoded.
func randomSecret(n int) string {
	return base64.RawURLEncoding.EncodeToString(randomBytes(n))
}

// mustHash hashes password (about half a millisecond of CPU). The password
// is known to verify against the new hash, so that check is remembered now:
// the sandbox's operator authenticates right after being created.
func mustHash(password string) string {
	salt := randomBytes(16)
	key, err := pbkdf2.Key(sha512.New, password, salt, pbkdf2Iterations, 32)
	if err != nil {
		panic("stackemu: pbkdf2: " + err.Error())
	}
	h := formatPBKDF2(salt, key)
	verifyCache.Store(verifyCacheKey(h, password), struct{}{})
	return h
}

// unguessableHash is the stored hash of a user whose password nobody is
// told: a random key in the same format. A PBKDF2 key of an unknown random
// password is itself indistinguishable from random bytes, so this is what
// hashing such a password would give, without the hashing.
func unguessableHash() string {
	return formatPBKDF2(randomBytes(16), randomBytes(32))
}

func formatPBKDF2(salt, key []byte) string {
	return "{PBKDF2}" + strconv.Itoa(pbkdf2Iterations) + "$" + base64.StdEncoding.EncodeToString(salt) + "$" +
		base64.StdEncoding.EncodeToString(key)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("stackemu: crypto/rand failed: " + err.Error())
	}
	return b
}

// knownHash reports whether h resolves to a supported algorithm.
func knownHash(h string) bool {
	switch {
	case strings.HasPrefix(h, "$2a$"), strings.HasPrefix(h, "$2b$"), strings.HasPrefix(h, "$2y$"):
		_, err := bcrypt.Cost([]byte(h))
		return err == nil
	case strings.HasPrefix(h, "{PBKDF2}"):
		_, _, _, ok := parsePBKDF2(h)
		return ok
	}
	return false
}

func parsePBKDF2(h string) (iter int, salt, key []byte, ok bool) {
	parts := strings.Split(strings.TrimPrefix(h, "{PBKDF2}"), "$")
	if len(parts) != 3 {
		return 0, nil, nil, false
	}
	iter, err := strconv.Atoi(parts[0])
	if err != nil || iter < 1 {
		return 0, nil, nil, false
	}
	salt, err1 := base64.StdEncoding.DecodeString(parts[1])
	key, err2 := base64.StdEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || len(key) == 0 {
		return 0, nil, nil, false
	}
	return iter, salt, key, true
}

var verifyCache sync.Map // stored hash + sha256(password) → struct{}

// verifyPassword checks password against a stored hash. Successful checks
// are cached (as Elasticsearch's realm cache does) so that Basic
// authentication on every request stays cheap.
func verifyPassword(stored, password string) bool {
	ck := verifyCacheKey(stored, password)
	if _, ok := verifyCache.Load(ck); ok {
		return true
	}
	ok := false
	switch {
	case strings.HasPrefix(stored, "$2"):
		ok = bcrypt.CompareHashAndPassword([]byte(stored), []byte(password)) == nil
	case strings.HasPrefix(stored, "{PBKDF2}"):
		iter, salt, key, valid := parsePBKDF2(stored)
		if valid {
			got, err := pbkdf2.Key(sha512.New, password, salt, iter, len(key))
			ok = err == nil && subtle.ConstantTimeCompare(got, key) == 1
		}
	}
	if ok {
		verifyCache.Store(ck, struct{}{})
	}
	return ok
}

func verifyCacheKey(stored, password string) string {
	sum := sha256.Sum256([]byte(password))
	return stored + "|" + hex.EncodeToString(sum[:])
}

// unknownHashMsg is the 9.x wording (reference §2.2); clients should match
// only the prefix "The provided password hash".
func unknownHashMsg() string {
	algos := []string{}
	for _, c := range []string{"", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14"} {
		if c == "" {
			algos = append(algos, "bcrypt")
		} else {
			algos = append(algos, "bcrypt"+c)
		}
	}
	for _, p := range []string{"pbkdf2", "pbkdf2_stretch"} {
		algos = append(algos, p)
		for _, n := range []string{"1000", "10000", "50000", "100000", "500000", "1000000"} {
			algos = append(algos, p+"_"+n)
		}
	}
	return "The provided password hash is not a hash or it could not be resolved to a supported hash algorithm. " +
		"The supported password hash algorithms are [" + strings.Join(algos, ", ") + "]"
}
