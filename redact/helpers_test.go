package redact

import (
	"encoding/base64"
	"math/rand/v2"
	"strings"
)

// Fake secrets are built at test time: committed files must not contain anything shaped like a real key.

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randString(rng *rand.Rand, n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

// fakeCloudKey looks like an Elastic Cloud API key: "essu_" and a long base64 body.
func fakeCloudKey(rng *rand.Rand) string {
	return "essu_" + randString(rng, 60, alnum) + "=="
}

// fakeESKey returns an Elasticsearch key id, key and encoded form, as the create API key answer carries them.
func fakeESKey(rng *rand.Rand) (id, key, encoded string) {
	id = randString(rng, 20, alnum+"-_")
	key = randString(rng, 22, alnum+"-_")
	return id, key, base64.StdEncoding.EncodeToString([]byte(id + ":" + key))
}

// fakePEM returns a PEM private key block of the given kind ("RSA ", "EC ", "" ...).
func fakePEM(rng *rand.Rand, kind string) string {
	var b strings.Builder
	b.WriteString("-----BEGIN " + kind + "PRIVATE" + " KEY-----\n")
	for range 4 {
		b.WriteString(randString(rng, 64, alnum+"+/") + "\n")
	}
	b.WriteString("-----END " + kind + "PRIVATE" + " KEY-----")
	return b.String()
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }
