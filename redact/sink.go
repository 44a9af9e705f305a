package redact

import (
	"context"
	"encoding/json"
	"time"
)

// Secret is a value withheld from the model, with the context a person needs to recognise it.
type Secret struct {
	Label  string            // what the secret is, e.g. "API key value" or "password for user alice"
	Value  string            // the secret itself
	Fields map[string]string // non-secret context written alongside: id, name, expiry
}

// Ref tells the model where a withheld secret went, so that it can point the person there without seeing it.
type Ref struct {
	Kind         string     `json:"kind"`         // "file", "link", or "shown_to_person" (a link handed to the person by the client)
	Location     string     `json:"location"`     // absolute file path or URL
	Instructions string     `json:"instructions"` // one sentence for the person
	ExpiresAt    *time.Time `json:"expires_at,omitempty"`
	// PersonURL is the link with what opens it (a one-time code in the fragment), for channels that reach the
	// person only, such as URL-mode elicitation. It is never serialized, so it cannot reach the model.
	PersonURL string `json:"-"`
}

// Sink hands a secret to the person out of band.
type Sink interface {
	Put(ctx context.Context, s Secret) (Ref, error)
}

// document is what a person finds in a secret file or behind a secret link.
type document struct {
	Label     string            `json:"label"`
	Secret    string            `json:"secret"`
	Fields    map[string]string `json:"fields,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	Note      string            `json:"note"`
}

func renderDocument(s Secret, now time.Time, note string) []byte {
	b, err := json.MarshalIndent(document{
		Label: s.Label, Secret: s.Value, Fields: s.Fields, CreatedAt: now.UTC(), Note: note,
	}, "", "  ")
	if err != nil { // a struct of strings always encodes
		panic(err)
	}
	return append(b, '\n')
}

func labelOr(label, fallback string) string {
	if label == "" {
		return fallback
	}
	return label
}
