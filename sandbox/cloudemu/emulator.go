package cloudemu

import (
	"crypto/sha256"
	"net/http"
	"sync"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/fault"
)

// Options configures an Emulator. The zero value gives the documented
// defaults.
type Options struct {
	// ProjectEndpoints returns the Elasticsearch and Kibana URLs to publish for
	// a project. Nil means "http://127.0.0.1:0"-style placeholders. It is
	// called whenever a project is rendered, so the URLs of emulators started
	// after seeding still show up. It runs under the emulator's lock and must
	// not call back into the Emulator.
	ProjectEndpoints func(projectType, projectID string) (elasticsearchURL, kibanaURL string)
	// ProjectCustomRoles returns the custom roles defined in a project's
	// Elasticsearch: GET .../{id}/roles lists them after the predefined ones,
	// as the real API lists a project's custom roles. Nil lists only the
	// roles the emulator itself knows. Same constraints as ProjectEndpoints.
	ProjectCustomRoles func(projectType, projectID string) []ProjectRole
	// Now is the clock; nil means time.Now. Tests move it to expire
	// invitations and keys.
	Now func() time.Time

	// StrictRoleIDs rejects the short project role forms ("viewer",
	// "t1_analyst") and the extended Security roles, accepting only the
	// prefixed ids the official docs and Terraform use. Reference §4 says
	// whether the live API accepts them is unknown, and asks for a switch.
	StrictRoleIDs bool
	// RefreshInvitations makes inviting an email that already has an open
	// invitation refresh it (new expiry and roles, same token) instead of
	// answering 400 organization.invitation_already_exists. The spec says
	// "creates or refreshes"; reference §6.4 asks for both behaviours.
	RefreshInvitations bool
	// MaxKeysPerOrganization caps active Cloud API keys; 0 means 500, the
	// documented limit.
	MaxKeysPerOrganization int
	// PageSize is the page length of the cursor-paginated lists (API keys,
	// Serverless projects); 0 means 100. The real page size is undocumented.
	PageSize int
	// RateLimit is the number of requests one key may make per minute before
	// getting 429; 0 means 10000, negative disables the limit (the headers are
	// still sent). The real quota is undocumented.
	RateLimit int
}

// Emulator is a stateful, in-memory Elastic Cloud API. It is safe for
// concurrent use.
type Emulator struct {
	opts    Options
	faults  *fault.Injector
	handler http.Handler

	mu          sync.Mutex
	orgs        map[string]*organization
	orgOrder    []string
	users       map[string]*user
	byEmail     map[string]*user       // lower-cased email; a user is in one organization at a time
	invitations map[string]*invitation // by token
	keys        map[string]*apiKey     // by id
	keyByHash   map[[sha256.Size]byte]*apiKey
	projects    map[string]*project // by id
	// deployments are listed only; no API call changes them.
	deployments []Deployment
	rate        map[string]*rateWindow
	seq         int64  // creation order, so lists are stable when clocks tie
	start       *state // what Reset returns to (Checkpoint)
}

type organization struct {
	id, name  string
	accountID string
	trustAll  bool
	members   []string // user ids in joining order
	createdAt time.Time
}

type user struct {
	id, email, name string
	orgID           string
	memberSince     time.Time
	ra              RoleAssignments
}

type invitation struct {
	token, email string
	orgID        string
	createdAt    time.Time
	expiresAt    time.Time
	acceptedAt   *time.Time
	ra           RoleAssignments
	hasRA        bool
}

type apiKey struct {
	id, userID, orgID string
	description       string
	created           time.Time
	expires           time.Time // zero: never
	seq               int64
	hash              [sha256.Size]byte
	ra                RoleAssignments
}

// New returns an emulator with no organizations, users, keys or projects.
func New(opts Options) *Emulator {
	e := &Emulator{
		opts:        opts,
		faults:      fault.New(faultErrorBody),
		orgs:        map[string]*organization{},
		users:       map[string]*user{},
		byEmail:     map[string]*user{},
		invitations: map[string]*invitation{},
		keys:        map[string]*apiKey{},
		keyByHash:   map[[sha256.Size]byte]*apiKey{},
		projects:    map[string]*project{},
		rate:        map[string]*rateWindow{},
	}
	e.handler = e.faults.Wrap(http.HandlerFunc(e.serve))
	return e
}

// ServeHTTP applies any active fault first, then serves the Cloud API.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.handler.ServeHTTP(errorCodeWriter{w}, r)
}

// Faults returns the injector in front of the handler.
func (e *Emulator) Faults() *fault.Injector { return e.faults }

func (e *Emulator) now() time.Time {
	if e.opts.Now != nil {
		return e.opts.Now().UTC().Truncate(time.Second)
	}
	return time.Now().UTC().Truncate(time.Second)
}

func (e *Emulator) nextSeq() int64 {
	e.seq++
	return e.seq
}

func (e *Emulator) pageSize() int {
	if e.opts.PageSize > 0 {
		return e.opts.PageSize
	}
	return 100
}

func (e *Emulator) maxKeys() int {
	if e.opts.MaxKeysPerOrganization > 0 {
		return e.opts.MaxKeysPerOrganization
	}
	return 500
}
