package esapi_test

import (
	"encoding/json"
	"testing"

	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
)

// get_roles leaves out built-in roles by reading only their metadata; a
// custom role that merely mentions the marker, or sets it false, is kept.
func TestEncodedRolesReserved(t *testing.T) {
	var roles esapi.EncodedRoles
	if err := json.Unmarshal([]byte(`{
		"superuser": {"cluster": ["all"], "metadata": {"_reserved": true}},
		"says-reserved": {"description": "not \"_reserved\": true at all", "cluster": ["monitor"]},
		"reserved-false": {"metadata": {"_reserved": false}},
		"plain": {"cluster": []}
	}`), &roles); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"superuser": true, "says-reserved": false, "reserved-false": false, "plain": false, "absent": false} {
		if got := roles.Reserved(name); got != want {
			t.Errorf("Reserved(%q) = %v, want %v", name, got, want)
		}
	}
	d, err := roles.Role("superuser")
	if err != nil || len(d.Cluster) != 1 || d.Cluster[0] != "all" {
		t.Fatalf("Role(superuser) = %+v, %v", d, err)
	}
	if _, err := (esapi.EncodedRoles{"broken": json.RawMessage(`{"cluster": "all"}`)}).Role("broken"); err == nil {
		t.Fatal("a role that is not a role descriptor should not decode")
	}
}
