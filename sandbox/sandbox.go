package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/cloudemu"
	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/fault"
	"github.com/elastic-access-mcp/elastic-access-mcp/sandbox/stackemu"
)

// Options configures a running sandbox.
type Options struct {
	// Flavor of the default Elasticsearch: "stack" (self-managed/ECH, the
	// default) or "serverless" (ELASTICSEARCH_URL is then the demo search
	// project's endpoint).
	Flavor string
	// Listen is the address of the Cloud API emulator; the other emulators
	// listen on ephemeral ports of the same host. "" = 127.0.0.1:0.
	Listen string
	// ExtraMembers and ExtraRoles add synthetic organization members and
	// Elasticsearch roles to the demo seed (for benchmarks such as a
	// 10,000-member organization).
	ExtraMembers, ExtraRoles int
	// CloudRateLimit is the Cloud API emulator's per-key quota per minute:
	// 0 keeps its default, negative disables it (for throughput benchmarks).
	CloudRateLimit int
	// Seed is "demo" (the default: the demo organization, users, roles,
	// mappings and keys) or "none": only what is needed to talk to the
	// emulators, i.e. the organization's owner and the owner's Cloud API key,
	// the file-realm operator of Elasticsearch and, on Serverless, the
	// Elasticsearch project with the operator's API key.
	Seed string
}

// Seed names accepted by Options.Seed.
const (
	SeedDemo = "demo"
	SeedNone = "none"
)

// Sandbox is the three emulators seeded with the demo organization, served on
// loopback. Every Serverless project gets its own Elasticsearch and Kibana
// (serverless flavour) that accept the organization's Cloud API keys with
// application_roles for that project, as real projects do.
type Sandbox struct {
	Cloud     *cloudemu.Emulator
	CloudSeed cloudemu.SeedInfo
	Stack     *stackemu.Cluster // the default Elasticsearch and Kibana
	StackSeed stackemu.SeedInfo

	CloudURL, ElasticsearchURL, KibanaURL string

	host     string
	seed     string
	mu       sync.Mutex // guards projects
	projects map[string]*lazyProject
	srvMu    sync.Mutex // guards servers; separate because projectFor serves while holding mu
	servers  []*http.Server
}

// Project is the Elasticsearch and Kibana of one Serverless project.
type Project struct {
	Type, ID                    string
	Cluster                     *stackemu.Cluster
	Seed                        stackemu.SeedInfo
	ElasticsearchURL, KibanaURL string
}

// Start runs the sandbox until Close.
func Start(opts Options) (*Sandbox, error) {
	listen := opts.Listen
	if listen == "" {
		listen = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, fmt.Errorf("sandbox listen address %q: %w", listen, err)
	}
	if !isLoopback(host) {
		return nil, fmt.Errorf("the sandbox serves only on loopback, not %q", host)
	}
	flavor := opts.Flavor
	if flavor == "" {
		flavor = string(stackemu.FlavorStack)
	}
	if flavor != string(stackemu.FlavorStack) && flavor != string(stackemu.FlavorServerless) {
		return nil, fmt.Errorf("--flavor must be stack or serverless, not %q", flavor)
	}
	seed := opts.Seed
	if seed == "" {
		seed = SeedDemo
	}
	if seed != SeedDemo && seed != SeedNone {
		return nil, fmt.Errorf("--seed must be demo or none, not %q", seed)
	}
	s := &Sandbox{host: host, projects: map[string]*lazyProject{}, seed: seed}

	cloudLn, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, err
	}
	s.CloudURL = "http://" + cloudLn.Addr().String()
	s.Cloud = cloudemu.New(cloudemu.Options{ProjectEndpoints: s.projectEndpoints, ProjectCustomRoles: s.projectCustomRoles,
		RateLimit: opts.CloudRateLimit})
	s.serve(cloudLn, s.withAdmin(s.Cloud, s.Cloud.Faults()))
	if seed == SeedNone {
		var types []string
		if flavor == string(stackemu.FlavorServerless) {
			types = []string{cloudemu.TypeElasticsearch}
		}
		s.CloudSeed = s.Cloud.SeedMinimal(types...)
	} else {
		s.CloudSeed = s.Cloud.SeedDemo()
	}
	if opts.ExtraMembers > 0 {
		s.Cloud.AddMembers(opts.ExtraMembers)
	}
	s.Cloud.Checkpoint()

	if flavor == string(stackemu.FlavorServerless) {
		p := s.projectFor("elasticsearch", s.CloudSeed.Projects["elasticsearch"].ID)
		if p == nil {
			s.Close()
			return nil, errors.New("sandbox: the demo organization has no elasticsearch project")
		}
		s.Stack, s.StackSeed = p.Cluster, p.Seed
		if opts.ExtraRoles > 0 {
			s.Stack.AddRoles(opts.ExtraRoles)
			s.Stack.Checkpoint()
		}
		s.ElasticsearchURL, s.KibanaURL = p.ElasticsearchURL, p.KibanaURL
		return s, nil
	}
	s.Stack = stackemu.New(stackemu.Options{Flavor: stackemu.FlavorStack})
	if seed == SeedNone {
		s.StackSeed = s.Stack.SeedOperator()
	} else {
		s.StackSeed = s.Stack.SeedDemo()
	}
	if opts.ExtraRoles > 0 {
		s.Stack.AddRoles(opts.ExtraRoles)
	}
	s.Stack.Checkpoint()
	if s.ElasticsearchURL, s.KibanaURL, err = s.serveCluster(s.Stack); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// projectEndpoints is called by the Cloud emulator when it publishes a
// project: the addresses are bound at once, the cluster starts on first use.
func (s *Sandbox) projectEndpoints(projectType, projectID string) (string, string) {
	lp := s.lazyProjectFor(projectType, projectID)
	if lp == nil {
		return "http://" + s.host + ":1", "http://" + s.host + ":1"
	}
	return lp.esURL, lp.kbURL
}

// projectCustomRoles lists the native roles of a project's Elasticsearch
// for the Cloud API's role list: a role created there is assignable at once.
func (s *Sandbox) projectCustomRoles(projectType, projectID string) []cloudemu.ProjectRole {
	p := s.projectFor(projectType, projectID)
	if p == nil {
		return nil
	}
	var out []cloudemu.ProjectRole
	for _, r := range p.Cluster.CustomRoles() {
		out = append(out, cloudemu.ProjectRole{Name: r.Name, Description: r.Description})
	}
	return out
}

// lazyProject is a Serverless project whose Elasticsearch and Kibana
// addresses are published but whose cluster is made and seeded only when
// something first talks to it: the demo organization has several projects,
// and most sessions use one or none of them.
type lazyProject struct {
	typ, id      string
	esURL, kbURL string
	once         sync.Once
	started      atomic.Pointer[Project] // nil until started, or if starting failed
}

// projectFor is the running project, started if need be; nil if it cannot
// be served.
func (s *Sandbox) projectFor(projectType, projectID string) *Project {
	lp := s.lazyProjectFor(projectType, projectID)
	if lp == nil {
		return nil
	}
	return s.startProject(lp)
}

func (s *Sandbox) lazyProjectFor(projectType, projectID string) *lazyProject {
	s.mu.Lock()
	defer s.mu.Unlock()
	if lp, ok := s.projects[projectID]; ok {
		return lp
	}
	lp := &lazyProject{typ: projectType, id: projectID}
	es := s.projectHandler(lp, (*stackemu.Cluster).Elasticsearch, (*stackemu.Cluster).ElasticsearchFaults)
	kb := s.projectHandler(lp, (*stackemu.Cluster).Kibana, (*stackemu.Cluster).KibanaFaults)
	var err error
	if lp.esURL, lp.kbURL, err = s.serveHandlers(es, kb); err != nil {
		return nil
	}
	s.projects[projectID] = lp
	return lp
}

// startProject makes and seeds the project's cluster, once.
func (s *Sandbox) startProject(lp *lazyProject) *Project {
	lp.once.Do(func() {
		p := &Project{Type: lp.typ, ID: lp.id, ElasticsearchURL: lp.esURL, KibanaURL: lp.kbURL}
		p.Cluster = stackemu.New(stackemu.Options{
			Flavor:       stackemu.FlavorServerless,
			ExternalAuth: s.cloudKeyAuth(lp.typ, lp.id),
			ProjectType:  lp.typ,
		})
		if s.seed == SeedNone {
			p.Seed = p.Cluster.SeedOperator()
		} else {
			p.Seed = p.Cluster.SeedDemo()
		}
		if err := addProjectRoles(p.Cluster, s.seed == SeedDemo); err != nil {
			return
		}
		p.Cluster.Checkpoint()
		lp.started.Store(p)
	})
	return lp.started.Load()
}

// projectHandler serves one of a project's emulators (with the sandbox
// admin API), starting the project on the first request.
func (s *Sandbox) projectHandler(lp *lazyProject, emulator func(*stackemu.Cluster) http.Handler,
	faults func(*stackemu.Cluster) *fault.Injector) http.Handler {
	var (
		once sync.Once
		h    http.Handler
	)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() {
			if p := s.startProject(lp); p != nil {
				h = s.withAdmin(emulator(p.Cluster), faults(p.Cluster))
			}
		})
		if h == nil {
			http.Error(w, "sandbox: this project's emulator could not start", http.StatusInternalServerError)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// projectRoles are the demo's custom roles of every Serverless project (the
// predefined ones come with the project's cluster), so that a Cloud key's
// application_roles resolve to real privileges.
var projectRoles = map[string]string{
	"dashboard-viewer": `{"description":"Read-only access to dashboards","cluster":[],
		"indices":[{"names":["logs-*","metrics-*"],"privileges":["read","view_index_metadata"]}],
		"applications":[{"application":"kibana-.kibana","privileges":["feature_dashboard.read"],"resources":["space:default"]}]}`,
	"logs-reader": `{"description":"Read access to logs-* indices","indices":[{"names":["logs-*"],"privileges":["read","view_index_metadata"]}]}`,
}

func addProjectRoles(c *stackemu.Cluster, withCustom bool) error {
	if !withCustom {
		return nil
	}
	for name, body := range projectRoles {
		if err := c.PutRoleJSON(name, []byte(body)); err != nil {
			return fmt.Errorf("project role %s: %w", name, err)
		}
	}
	return nil
}

// cloudKeyAuth lets a project's Elasticsearch accept Cloud API keys: a key
// authenticates with the application_roles it holds for this project (or for
// all projects of its type), and with nothing else.
func (s *Sandbox) cloudKeyAuth(projectType, projectID string) func(string) (stackemu.Principal, bool) {
	return func(authorization string) (stackemu.Principal, bool) {
		scheme, key, ok := strings.Cut(authorization, " ")
		if !ok || !strings.EqualFold(scheme, "ApiKey") || !strings.HasPrefix(key, "essu_") {
			return stackemu.Principal{}, false
		}
		// ProjectApplicationRoles also checks that the key belongs to the
		// project's organization.
		info, roles, ok := s.Cloud.ProjectApplicationRoles(key, projectID)
		if !ok || len(roles) == 0 {
			return stackemu.Principal{}, false
		}
		return stackemu.Principal{
			Username:  info.UserID,
			Roles:     roles,
			RealmName: "_cloud_api_key",
			RealmType: "cloud_api_key",
			AuthType:  "api_key",
		}, true
	}
}

// Project returns the project of that id, started if need be, or nil if
// the Cloud API has not published it.
func (s *Sandbox) Project(id string) *Project {
	s.mu.Lock()
	lp := s.projects[id]
	s.mu.Unlock()
	if lp == nil {
		return nil
	}
	return s.startProject(lp)
}

func (s *Sandbox) serveCluster(c *stackemu.Cluster) (esURL, kbURL string, err error) {
	return s.serveHandlers(s.withAdmin(c.Elasticsearch(), c.ElasticsearchFaults()), s.withAdmin(c.Kibana(), c.KibanaFaults()))
}

// serveHandlers serves an Elasticsearch and a Kibana on free loopback ports.
func (s *Sandbox) serveHandlers(es, kb http.Handler) (esURL, kbURL string, err error) {
	esLn, err := net.Listen("tcp", net.JoinHostPort(s.host, "0"))
	if err != nil {
		return "", "", err
	}
	kbLn, err := net.Listen("tcp", net.JoinHostPort(s.host, "0"))
	if err != nil {
		_ = esLn.Close()
		return "", "", err
	}
	s.serve(esLn, es)
	s.serve(kbLn, kb)
	return "http://" + esLn.Addr().String(), "http://" + kbLn.Addr().String(), nil
}

func (s *Sandbox) serve(ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	s.srvMu.Lock()
	s.servers = append(s.servers, srv)
	s.srvMu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

// Close stops every emulator.
func (s *Sandbox) Close() {
	s.srvMu.Lock()
	servers := s.servers
	s.servers = nil
	s.srvMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, srv := range servers {
		_ = srv.Shutdown(ctx)
	}
}

// Vars are the settings a client needs, as KEY=VALUE pairs in a stable
// order: the ones the server reads from its environment. Settings the seed
// has no value for (no member key, or no Elasticsearch API key with --seed
// none on the stack) are left out.
func (s *Sandbox) Vars() [][2]string {
	all := [][2]string{
		{"EC_BASE_URL", s.CloudURL},
		{"EC_API_KEY", s.CloudSeed.OwnerAPIKey},
		{"EC_API_KEY_ID", s.CloudSeed.OwnerAPIKeyID},
		{"EC_MEMBER_API_KEY", s.CloudSeed.MemberAPIKey},
		{"ELASTICSEARCH_URL", s.ElasticsearchURL},
		{"ELASTICSEARCH_API_KEY", s.StackSeed.AdminAPIKey},
		{"ELASTICSEARCH_USERNAME", s.StackSeed.AdminUsername},
		{"ELASTICSEARCH_PASSWORD", s.StackSeed.AdminPassword},
		{"KIBANA_URL", s.KibanaURL},
	}
	out := all[:0]
	for _, kv := range all {
		if kv[1] != "" {
			out = append(out, kv)
		}
	}
	return out
}

// Secrets lists every credential the sandbox issued at start, so tests can
// prove none of them leaks into what the server prints.
func (s *Sandbox) Secrets() []string {
	var out []string
	for _, v := range []string{s.CloudSeed.OwnerAPIKey, s.CloudSeed.MemberAPIKey, s.StackSeed.AdminAPIKey, s.StackSeed.AdminPassword} {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// Reset returns every emulator to its start state: the Cloud organization,
// the default Elasticsearch and every Serverless project's Elasticsearch get
// back the seeded content with the same ids and credentials, and lose
// everything created since. Injected faults stay (they have their own API).
func (s *Sandbox) Reset() {
	s.Cloud.Reset()
	s.Stack.Reset()
	s.mu.Lock()
	projects := make([]*lazyProject, 0, len(s.projects))
	for _, lp := range s.projects {
		projects = append(projects, lp)
	}
	s.mu.Unlock()
	for _, lp := range projects {
		// A project not started yet is still in its start state.
		if p := lp.started.Load(); p != nil && p.Cluster != s.Stack {
			p.Cluster.Reset()
		}
	}
}

// withAdmin mounts the sandbox admin API, answering only loopback callers:
// the fault injector's on /_sandbox/faults and POST /_sandbox/reset (every
// emulator back to its start state, from any emulator's address).
func (s *Sandbox) withAdmin(h http.Handler, faults *fault.Injector) http.Handler {
	admin := faults.AdminHandler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/_sandbox/faults", "/_sandbox/reset":
		default:
			h.ServeHTTP(w, r)
			return
		}
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		if !isLoopback(host) {
			http.Error(w, "the sandbox admin API answers loopback callers only", http.StatusForbidden)
			return
		}
		if r.URL.Path == "/_sandbox/faults" {
			admin.ServeHTTP(w, r)
			return
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "use POST /_sandbox/reset", http.StatusMethodNotAllowed)
			return
		}
		s.Reset()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"reset":true}` + "\n"))
	})
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}
