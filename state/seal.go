package state

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"errors"
)

// ErrUnreadable means a stored secret could not be decrypted: it was sealed with a state key this server holds
// neither as current nor as previous key, or it was altered in the store. Take has removed it all the same, so it
// cannot be handed out later by a replica that does hold the key.
var ErrUnreadable = errors.New("the stored secret cannot be decrypted with this server's state key (it was sealed " +
	"with another key, or altered); it was discarded; create a new one, and check that every replica has the same " +
	"MCP_STATE_KEY")

const (
	sealVersion    = 1
	fingerprintLen = 4
	sealPurpose    = "links"
)

// sealer encrypts link secrets with AES-256-GCM under a key derived from the state key. A sealed value is
// version | key fingerprint | nonce | ciphertext+tag. The fingerprint picks the key when reading, so a rotation
// costs one decryption, not one per key. The link id is bound as additional data: a ciphertext copied under
// another id does not open.
type sealer struct {
	keys []sealKey // current first
}

type sealKey struct {
	fingerprint [fingerprintLen]byte
	aead        cipher.AEAD
}

func newSealer(k *Keyring) *sealer {
	s := &sealer{}
	for _, sub := range k.Subkeys(sealPurpose) {
		block, err := aes.NewCipher(sub)
		if err != nil {
			panic(err) // sub is always 32 bytes
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(append([]byte("fingerprint "), sub...))
		var fp [fingerprintLen]byte
		copy(fp[:], sum[:])
		s.keys = append(s.keys, sealKey{fingerprint: fp, aead: aead})
	}
	return s
}

// ephemeralKeyring is used by a memory store without a configured key: secrets are still never held in clear, and
// the key dies with the process together with the secrets.
func ephemeralKeyring() *Keyring {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		panic(err) // no randomness: nothing is safe to do
	}
	return &Keyring{current: key}
}

func (s *sealer) seal(plain []byte, boundTo string) []byte {
	k := s.keys[0]
	out := make([]byte, 0, 1+fingerprintLen+k.aead.NonceSize()+len(plain)+k.aead.Overhead())
	out = append(out, sealVersion)
	out = append(out, k.fingerprint[:]...)
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err)
	}
	out = append(out, nonce...)
	return k.aead.Seal(out, nonce, plain, []byte(boundTo))
}

func (s *sealer) open(sealed []byte, boundTo string) ([]byte, error) {
	head := 1 + fingerprintLen
	if len(sealed) < head || sealed[0] != sealVersion {
		return nil, ErrUnreadable
	}
	for _, k := range s.keys {
		if string(k.fingerprint[:]) != string(sealed[1:head]) {
			continue
		}
		ns := k.aead.NonceSize()
		if len(sealed) < head+ns+k.aead.Overhead() {
			return nil, ErrUnreadable
		}
		plain, err := k.aead.Open(nil, sealed[head:head+ns], sealed[head+ns:], []byte(boundTo))
		if err != nil {
			return nil, ErrUnreadable
		}
		return plain, nil
	}
	return nil, ErrUnreadable
}
