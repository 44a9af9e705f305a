package redact

import (
	"crypto/rand"
	"fmt"
)

const (
	// MinPasswordLength is the shortest password GeneratePassword makes.
	MinPasswordLength = 20
	// maxPasswordLength guards against a mistaken huge length; bcrypt, Elasticsearch's default hash, reads only
	// the first 72 bytes anyway.
	maxPasswordLength = 1024

	upperChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	lowerChars = "abcdefghijklmnopqrstuvwxyz"
	digitChars = "0123456789"
	// PasswordSymbols need no escaping in JSON and none of them is a quote, backslash, space or '$', so a
	// password survives being pasted between single quotes in a shell. Some ('@', '#', '%') must still be
	// percent-encoded inside a URL.
	PasswordSymbols = "-_.~!@#%^*+="
)

var passwordClasses = [...]string{upperChars, lowerChars, digitChars, PasswordSymbols}

// GeneratePassword returns a random password of n characters (at least MinPasswordLength) drawn from a CSPRNG,
// with at least one upper-case letter, lower-case letter, digit and symbol. Callers should pass the result to
// Redactor.Remember (usually on Default()) before using it, so that it is scrubbed from any later output.
func GeneratePassword(n int) (string, error) {
	n = max(n, MinPasswordLength)
	if n > maxPasswordLength {
		return "", fmt.Errorf("password length %d is over the maximum of %d", n, maxPasswordLength)
	}
	all := upperChars + lowerChars + digitChars + PasswordSymbols
	r := &uniform{}
	out := make([]byte, n)
	// One character of each class first, the rest from the whole alphabet, then a shuffle so that the forced
	// characters are not always at the front.
	for i, class := range passwordClasses {
		out[i] = class[r.intn(len(class))]
	}
	for i := len(passwordClasses); i < n; i++ {
		out[i] = all[r.intn(len(all))]
	}
	for i := n - 1; i > 0; i-- { // Fisher–Yates
		j := r.intn(i + 1)
		out[i], out[j] = out[j], out[i]
	}
	return string(out), nil
}

// uniform draws unbiased small integers from crypto/rand, one byte at a time through a buffer.
type uniform struct {
	buf [64]byte
	pos int
}

func (u *uniform) byte() byte {
	if u.pos == 0 || u.pos == len(u.buf) {
		rand.Read(u.buf[:]) // never fails since Go 1.24: the runtime aborts instead
		u.pos = 0
	}
	b := u.buf[u.pos]
	u.pos++
	return b
}

// intn returns a uniform integer in [0, n) for 0 < n <= 256, rejecting the bytes that would make "b % n" favour
// small results.
func (u *uniform) intn(n int) int {
	limit := 256 - 256%n
	for {
		if b := int(u.byte()); b < limit {
			return b % n
		}
	}
}
