// Package caller carries the identity of the caller a request acts for, so that what one caller is given (an
// approval, a one-time secret link) is bound to that caller and cannot be used by another.
//
// The identity is an opaque, stable digest of the caller's own credentials (passthrough mode), never the
// credentials themselves; "" means the server acts with its own credentials for everyone, and nothing is bound.
package caller

import "context"

type key struct{}

// With records the caller's identity digest for the calls made with ctx.
func With(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, key{}, id)
}

// From returns the caller's identity digest, or "" when the server acts with its own credentials.
func From(ctx context.Context) string {
	id, _ := ctx.Value(key{}).(string)
	return id
}
