package cloudapi

import "context"

// PageObserver hears about each page a listing reads: the operation, the
// pages read so far and the items collected so far. Long listings (every
// API key of a large organization) report progress through it.
type PageObserver func(op string, pages, items int)

type pageObserverKey struct{}

// WithPageObserver returns ctx whose listings report their pages to f.
func WithPageObserver(ctx context.Context, f PageObserver) context.Context {
	return context.WithValue(ctx, pageObserverKey{}, f)
}

func observePage(ctx context.Context, op string, pages, items int) {
	if f, _ := ctx.Value(pageObserverKey{}).(PageObserver); f != nil {
		f(op, pages, items)
	}
}
