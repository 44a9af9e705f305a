// Package stackemu emulates the Elasticsearch security REST API and the
// Kibana role API in memory, for the sandbox mode of the product and for
// tests. Both handlers share one store: users, roles, role mappings and API
// keys, so a role written through Kibana is visible through Elasticsearch and
// credentials work against both. Behaviour follows the project's reference
// (Elastic's Elasticsearch security API reference) and the Elasticsearch OpenAPI
// contract; the pinned Elasticsearch version is 9.1.
package stackemu

import (
	"net/http"
	"sync"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/fault"
)

// Flavor selects self-managed/ECH ("stack") or Serverless behaviour.
type Flavor string

const (
	FlavorStack      Flavor = "stack"
	FlavorServerless Flavor = "serverless"
)

// Version is the Elasticsearch version the emulator reports and whose
// privilege lists and messages it mirrors.
const Version = "9.1.5"

// Principal is an identity authenticated outside this cluster's own stores
// (Options.ExternalAuth).
type Principal struct {
	Username             string
	Roles                []string
	RealmName, RealmType string
	AuthType             string
	Metadata             map[string]any
	FullName, Email      string
}

// Options configure a Cluster.
type Options struct {
	Flavor Flavor
	Now    func() time.Time // nil = time.Now
	// ExternalAuth lets the sandbox accept credentials this cluster does not
	// own, such as Elastic Cloud API keys with application_roles on this
	// project (Authorization: ApiKey essu_...). It returns the principal and
	// its role descriptors' names (resolved against this cluster's roles).
	// Nil = none.
	ExternalAuth func(authorization string) (Principal, bool)
	// ProjectType is the Serverless project type ("elasticsearch",
	// "observability", "security"): it decides which predefined roles the
	// cluster has. "" on Serverless gives admin, developer, editor and viewer.
	ProjectType string
}

// Cluster is one emulated Elasticsearch cluster with its Kibana.
type Cluster struct {
	flavor  Flavor
	now     func() time.Time
	extAuth func(string) (Principal, bool)

	mu       sync.RWMutex
	users    map[string]*user
	reserved map[string]*reservedUserState
	roles    map[string]*roleDescriptor
	mappings map[string]*roleMapping
	apiKeys  map[string]*apiKey
	keyOrder []string // creation order, for stable listings

	appPrivs  map[string]map[string]*appPrivDef // application -> privilege name -> definition
	tokens    map[string]*token                 // OAuth2 access and refresh tokens, by value
	profiles  map[string]*profile               // user profiles, by uid
	fileUsers map[string]*fileUser              // the file realm: configuration, kept by Reset
	// predefined are the roles that come with the cluster: the stack's
	// reserved roles, or Serverless's predefined roles for the project type.
	predefined map[string]*roleDescriptor
	start      *snapshot // what Reset returns to (Checkpoint)

	esFaults, kbFaults   *fault.Injector
	esHandler, kbHandler http.Handler
}

// New returns an empty cluster: only the reserved users and roles exist.
func New(opts Options) *Cluster {
	c := &Cluster{
		flavor:   opts.Flavor,
		now:      opts.Now,
		extAuth:  opts.ExternalAuth,
		users:    map[string]*user{},
		reserved: map[string]*reservedUserState{},
		roles:    map[string]*roleDescriptor{},
		mappings: map[string]*roleMapping{},
		apiKeys:  map[string]*apiKey{},

		appPrivs:  map[string]map[string]*appPrivDef{},
		tokens:    map[string]*token{},
		profiles:  map[string]*profile{},
		fileUsers: map[string]*fileUser{},
	}
	if c.flavor == "" {
		c.flavor = FlavorStack
	}
	if c.now == nil {
		c.now = time.Now
	}
	c.predefined = reservedRoles()
	if c.flavor == FlavorServerless {
		c.predefined = serverlessPredefinedRoles(opts.ProjectType)
	}
	for _, name := range reservedUserNames() {
		// The reserved users exist with no usable password until one is set
		// through the change-password API, as after a fresh install. An empty
		// hash never verifies, and costs nothing to create (hashing a random
		// password for each reserved user of each cluster slowed every start).
		c.reserved[name] = &reservedUserState{enabled: true, hash: ""}
	}
	c.esFaults = fault.New(esFaultBody)
	c.kbFaults = fault.New(kibanaFaultBody)
	c.esHandler = productHeader(c.esFaults.Wrap(http.HandlerFunc(c.serveES)))
	c.kbHandler = c.kbFaults.Wrap(http.HandlerFunc(c.serveKibana))
	return c
}

// Flavor reports the cluster's flavour.
func (c *Cluster) Flavor() Flavor { return c.flavor }

// Elasticsearch returns the Elasticsearch handler; faults are applied first.
func (c *Cluster) Elasticsearch() http.Handler { return c.esHandler }

// Kibana returns the Kibana handler; faults are applied first.
func (c *Cluster) Kibana() http.Handler { return c.kbHandler }

// ElasticsearchFaults returns the injector in front of Elasticsearch.
func (c *Cluster) ElasticsearchFaults() *fault.Injector { return c.esFaults }

// KibanaFaults returns the injector in front of Kibana.
func (c *Cluster) KibanaFaults() *fault.Injector { return c.kbFaults }

// productHeader sets X-Elastic-Product on every response, injected faults
// included: the official clients refuse responses without it.
func productHeader(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
		next.ServeHTTP(w, r)
	})
}
