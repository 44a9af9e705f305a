package tools

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/elastic-access-mcp/elastic-access-mcp/toolkit"
)

// Paging is the same for every list tool of both planes: the cursor is an
// opaque offset into a sorted list, tagged with the list it belongs to so
// that a cursor of another list is refused instead of silently misread.

// encodeCursor is the next_cursor that continues list at offset.
func encodeCursor(list string, offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(list + ":" + strconv.Itoa(offset)))
}

// decodeCursor returns the offset a cursor of list points at; "" is 0.
func decodeCursor(list, cursor string) (int, error) {
	if cursor == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err == nil {
		if rest, ok := strings.CutPrefix(string(b), list+":"); ok {
			if n, err := strconv.Atoi(rest); err == nil && n >= 0 {
				return n, nil
			}
		}
	}
	return 0, toolkit.InvalidArgs("cursor %q is not a cursor of this list; pass the next_cursor value returned by the previous call", cursor)
}

// pageOf cuts one page out of sorted names; limit <= 0 means def.
func pageOf(names []string, list, cursor string, limit, def int) (page []string, next string, err error) {
	if limit <= 0 {
		limit = def
	}
	off, err := decodeCursor(list, cursor)
	if err != nil {
		return nil, "", err
	}
	if off > len(names) {
		return nil, "", toolkit.InvalidArgs("cursor is past the end of the list; start again without cursor")
	}
	end := min(off+limit, len(names))
	if end < len(names) {
		next = encodeCursor(list, end)
	}
	return names[off:end], next, nil
}
