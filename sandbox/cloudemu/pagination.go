package cloudemu

import (
	"cmp"
	"encoding/base64"
	"errors"
	"slices"
	"strconv"
	"strings"
)

// Lists with cursors (API keys, Serverless projects) are ordered by creation
// sequence. The cursor is opaque to clients and records the last sequence
// number returned, so deleting items between pages neither skips nor repeats
// anything; and it always advances, which Terraform's sweeper checks
// (reference §5.2).

const cursorPrefix = "after:"

func encodeCursor(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatInt(seq, 10)))
}

func decodeCursor(s string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		if rest, ok := strings.CutPrefix(string(b), cursorPrefix); ok {
			if seq, err := strconv.ParseInt(rest, 10, 64); err == nil && seq >= 0 {
				return seq, nil
			}
		}
	}
	return 0, errors.New("the next_page cursor [" + s + "] is not valid")
}

// paginate sorts items by seq and returns the page after cursor ("" for the
// first page) with the cursor of the next page ("" on the last page).
func paginate[T any](items []T, seq func(T) int64, cursor string, size int) ([]T, string, error) {
	slices.SortFunc(items, func(a, b T) int { return cmp.Compare(seq(a), seq(b)) })
	start := 0
	if cursor != "" {
		after, err := decodeCursor(cursor)
		if err != nil {
			return nil, "", err
		}
		start = len(items)
		for i, it := range items {
			if seq(it) > after {
				start = i
				break
			}
		}
	}
	end := min(start+size, len(items))
	page := items[start:end]
	next := ""
	if end < len(items) {
		next = encodeCursor(seq(page[len(page)-1]))
	}
	return page, next, nil
}
