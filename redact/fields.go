package redact

// defaultSecretFields are the field names whose values are secrets wherever they appear. They are stored
// normalized (see normalizeField), so "api_key", "apiKey", "API-Key" and "apikey" are one entry.
//
// "key" and "token" are short and generic, but they are exactly how the Cloud API names a new API key value and an
// invitation token, so they stay secret; the few places where Elasticsearch uses "key" for something else are
// handled by isBucketKey.
var defaultSecretFields = []string{
	"key",
	"token",
	"invitation_token",
	"secret",
	"api_key",
	"encoded",
	"password",
	"password_hash",
	"new_password",
	"access_token",
	"refresh_token",
	"client_secret",
	"private_key",
	"credentials",
	"authorization",
	// Not in the original list, but the same kind of thing under the names HTTP dumps and configs use.
	"proxy_authorization",
	"x_api_key",
	"passphrase",
}

// wholeBlockFields name containers whose every leaf is secret, including fields that look harmless elsewhere
// (a Serverless project's credentials block holds a username next to the password; both are withheld).
var wholeBlockFields = map[string]bool{
	"credentials": true,
}

// structuralFields are the children that stay visible when an object (rather than a string) sits under a secret
// name. Elasticsearch reuses secret names for descriptions of a credential: _authenticate answers
// "api_key": {"id", "name"} and "token": {"name", "type"}, and the grant API takes "api_key": {"name",
// "expiration", "role_descriptors"}. Hiding those would make the answer useless without protecting anything;
// every other child of such an object is withheld.
var structuralFields = setOf(
	"id", "ids", "name", "type", "username", "realm", "realm_name", "realm_type",
	"expiration", "expiration_date", "expires_at", "expires_in", "creation", "creation_date", "created_at",
	"invalidated", "invalidation", "managed_by", "description", "role_descriptors", "limited_by",
	"metadata", "access", "profile_uid", "user_id", "organization_id", "role_assignments", "email",
	"scope", "token_type",
)

// normalizeField folds a field name so that case and '-'/'_' separators do not matter: "API-Key" -> "apikey".
func normalizeField(name string) string { return string(appendNormalized(nil, name)) }

// appendNormalized appends the folded name to buf. Callers pass a stack buffer and index maps with
// string(bytes), which does not allocate: a listing has hundreds of thousands of keys such as "user_id".
func appendNormalized(buf []byte, name string) []byte {
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '-' || c == '_':
			continue
		case 'A' <= c && c <= 'Z':
			buf = append(buf, c+'a'-'A')
		default:
			buf = append(buf, c)
		}
	}
	return buf
}

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[normalizeField(n)] = true
	}
	return m
}

// isBucketKey reports whether a "key" field is an aggregation bucket key (Elasticsearch puts "key" next to
// "doc_count" in every bucket, for example in _query/api_key aggregations) rather than a Cloud API key value.
func isBucketKey(norm []byte, siblings map[string]any) bool {
	if string(norm) != "key" {
		return false
	}
	_, ok := siblings["doc_count"]
	return ok
}
