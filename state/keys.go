package state

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Environment variables that hold the state key. MCP_STATE_KEY and MCP_STATE_KEY_FILE are alternatives;
// MCP_STATE_KEY_PREVIOUS (or a second line in the key file) is the key being rotated out, still accepted for reading.
const (
	EnvKey         = "MCP_STATE_KEY"
	EnvKeyFile     = "MCP_STATE_KEY_FILE"
	EnvKeyPrevious = "MCP_STATE_KEY_PREVIOUS"
)

// keyHint tells an operator how to make a key; every key error ends with it.
const keyHint = "a state key is 64 hexadecimal characters (32 random bytes), e.g. the output of `openssl rand -hex 32`"

// Keyring holds the state key shared by all replicas and, during a rotation, the previous one. New data is sealed
// with the current key; data sealed with the previous key can still be read until it expires.
type Keyring struct {
	current  []byte
	previous []byte // nil when no rotation is under way
}

// ParseKey decodes a state key written as 64 hexadecimal characters. Errors never repeat the input, which may be a
// slightly mistyped real key.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) != 64 {
		return nil, fmt.Errorf("the state key has %d characters, not 64: %s", len(s), keyHint)
	}
	key, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("the state key is not hexadecimal: %s", keyHint)
	}
	zero := true
	for _, b := range key {
		zero = zero && b == 0
	}
	if zero {
		return nil, fmt.Errorf("the state key is all zeros, which is not a secret: %s", keyHint)
	}
	return key, nil
}

// NewKeyring builds a keyring from a current key and an optional previous one (nil or empty when not rotating).
// Both must be 32 bytes.
func NewKeyring(current, previous []byte) (*Keyring, error) {
	if len(current) != 32 {
		return nil, errors.New("the current state key must be 32 bytes: " + keyHint)
	}
	k := &Keyring{current: append([]byte(nil), current...)}
	if len(previous) > 0 {
		if len(previous) != 32 {
			return nil, errors.New("the previous state key must be 32 bytes: " + keyHint)
		}
		if string(previous) != string(current) {
			k.previous = append([]byte(nil), previous...)
		}
	}
	return k, nil
}

// LoadKeyring reads the state key from the environment through getenv (os.Getenv in the server): MCP_STATE_KEY, or
// MCP_STATE_KEY_FILE naming a file whose first line is the key and whose optional second line is the previous key;
// MCP_STATE_KEY_PREVIOUS gives the previous key either way. It returns nil, nil when no key is configured: the caller
// decides whether that is acceptable (it is not with a shared store; see Open).
func LoadKeyring(getenv func(string) string) (*Keyring, error) {
	inline, file := strings.TrimSpace(getenv(EnvKey)), strings.TrimSpace(getenv(EnvKeyFile))
	prevText := strings.TrimSpace(getenv(EnvKeyPrevious))
	var curText string
	switch {
	case inline != "" && file != "":
		return nil, fmt.Errorf("both %s and %s are set; set only one", EnvKey, EnvKeyFile)
	case inline != "":
		curText = inline
	case file != "":
		raw, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("cannot read %s: %w", EnvKeyFile, err)
		}
		var lines []string
		for _, l := range strings.Split(string(raw), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				lines = append(lines, l)
			}
		}
		switch len(lines) {
		case 0:
			return nil, fmt.Errorf("the file named by %s is empty: %s", EnvKeyFile, keyHint)
		case 1:
		case 2:
			if prevText != "" {
				return nil, fmt.Errorf("the previous state key is given both in the file named by %s and in %s; "+
					"keep one", EnvKeyFile, EnvKeyPrevious)
			}
			prevText = lines[1]
		default:
			return nil, fmt.Errorf("the file named by %s has more than two lines; it holds the current key and, "+
				"during a rotation, the previous one", EnvKeyFile)
		}
		curText = lines[0]
	default:
		if prevText != "" {
			return nil, fmt.Errorf("%s is set without %s", EnvKeyPrevious, EnvKey)
		}
		return nil, nil
	}
	cur, err := ParseKey(curText)
	if err != nil {
		return nil, err
	}
	var prev []byte
	if prevText != "" {
		if prev, err = ParseKey(prevText); err != nil {
			return nil, fmt.Errorf("previous key: %w", err)
		}
	}
	return NewKeyring(cur, prev)
}

// Subkeys derives a 32-byte key for one purpose from each key in the ring, current first. Purposes keep uses apart:
// the approval seal and the link encryption never share key material, and each is stable across replicas holding
// the same state key. The Sealer of approvals signs with Subkeys("approvals")[0] and verifies with every entry.
func (k *Keyring) Subkeys(purpose string) [][]byte {
	out := [][]byte{derive(k.current, purpose)}
	if k.previous != nil {
		out = append(out, derive(k.previous, purpose))
	}
	return out
}

func derive(key []byte, purpose string) []byte {
	sub, err := hkdf.Key(sha256.New, key, nil, "elastic-access-mcp state "+purpose, 32)
	if err != nil {
		panic(err) // only for lengths HKDF-SHA256 cannot produce; 32 bytes always works
	}
	return sub
}

// String keeps the keys out of logs and error messages that format a Keyring by accident.
func (k *Keyring) String() string {
	if k != nil && k.previous != nil {
		return "state keyring (current and previous key, redacted)"
	}
	return "state keyring (redacted)"
}

// GoString does the same for %#v.
func (k *Keyring) GoString() string { return k.String() }
