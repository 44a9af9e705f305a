package server

import (
	"context"
	"io"
	"log/slog"

	"github.com/elastic-access-mcp/elastic-access-mcp/redact"
)

// NewLogger returns a JSON logger to w (stderr: stdout belongs to the
// protocol on stdio) whose every message and attribute is redacted.
func NewLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(redactingHandler{next: slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})})
}

// redactingHandler scrubs secrets from log records before they are written,
// so a secret passed to a log call by mistake never reaches a log file.
type redactingHandler struct{ next slog.Handler }

func (h redactingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h redactingHandler) Handle(ctx context.Context, r slog.Record) error {
	msg, _ := redact.Default().Text(r.Message)
	out := slog.NewRecord(r.Time, r.Level, msg, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func redactAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindGroup:
		attrs := v.Group()
		red := make([]any, 0, len(attrs))
		for _, g := range attrs {
			red = append(red, redactAttr(g))
		}
		return slog.Group(a.Key, red...)
	case slog.KindString:
		s, _ := redact.Default().Text(v.String())
		// A value under a secret-looking key is withheld whatever its shape.
		if red, found := redact.Default().Value(map[string]any{a.Key: s}); len(found) > 0 {
			if m, ok := red.(map[string]any); ok {
				if rs, ok := m[a.Key].(string); ok {
					s = rs
				}
			}
		}
		return slog.String(a.Key, s)
	case slog.KindAny:
		red, _ := redact.Default().Value(toJSONValue(v.Any()))
		return slog.Any(a.Key, red)
	}
	return a
}

func (h redactingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		red[i] = redactAttr(a)
	}
	return redactingHandler{next: h.next.WithAttrs(red)}
}

func (h redactingHandler) WithGroup(name string) slog.Handler {
	return redactingHandler{next: h.next.WithGroup(name)}
}
