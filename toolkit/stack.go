package toolkit

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/elastic-access-mcp/elastic-access-mcp/cloudapi"
	"github.com/elastic-access-mcp/elastic-access-mcp/esapi"
)

// StackConfig is the configured Elasticsearch and Kibana (URL "" = none).
type StackConfig struct {
	Elasticsearch esapi.Config
	Kibana        esapi.KibanaConfig
	// CloudAPIKey authenticates to Serverless projects when
	// Elasticsearch.APIKey is empty: a Cloud API key works against a
	// project's Elasticsearch and Kibana when it carries application_roles
	// for that project.
	CloudAPIKey string
}

// ProjectDirectory lists the organization's Serverless projects with their
// endpoints. *cloudapi.Client implements it; tests may use a stub.
type ProjectDirectory interface {
	ListAllProjects(ctx context.Context) ([]cloudapi.Project, error)
}

// StackTargets resolves which Elasticsearch and Kibana a call talks to: the
// configured cluster (ELASTICSEARCH_URL, KIBANA_URL) or a Serverless project
// named by the call's `project` argument.
type StackTargets struct {
	cfg      StackConfig
	def      *StackTarget
	projects ProjectDirectory
	logger   *slog.Logger

	mu    sync.Mutex
	cache map[string]*StackTarget // by project id

	// listed is the organization's project list, reused for
	// projectListTTL: a call fanning out to every project resolved each
	// one by listing all of them again (requests grew with the square of
	// the number of projects). A name not in the list refreshes it once.
	listed   []cloudapi.Project
	listedAt time.Time
}

// projectListTTL is how long a listing of the organization's projects is
// reused to resolve project names.
const projectListTTL = 30 * time.Second

// StackTarget is one Elasticsearch (and maybe Kibana) a call acts on.
type StackTarget struct {
	ES     *esapi.Client
	Kibana *esapi.KibanaClient // nil when no Kibana is known
	// Project is set when the target is a Serverless project.
	Project *cloudapi.Project
	// CloudKey is true when the target is reached with the Cloud API key.
	CloudKey bool
}

// Label names the target for messages: "project obs-prod (id)" or the URL.
func (t *StackTarget) Label() string {
	if t.Project != nil {
		return fmt.Sprintf("%s project %q (%s)", t.Project.Type, t.Project.Name, t.Project.ID)
	}
	return "Elasticsearch at " + t.ES.URL()
}

// NewStackTargets builds the default targets; cloud (may be nil) resolves
// Serverless projects named by a call.
func NewStackTargets(cfg StackConfig, cloud *cloudapi.Client, logger *slog.Logger) (*StackTargets, error) {
	var dir ProjectDirectory
	if cloud != nil {
		dir = cloud
	}
	return NewStackTargetsWith(cfg, dir, logger)
}

// NewStackTargetsWith is NewStackTargets with any project directory.
func NewStackTargetsWith(cfg StackConfig, projects ProjectDirectory, logger *slog.Logger) (*StackTargets, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg.Elasticsearch.Logger = logger
	cfg.Kibana.Logger = logger
	st := &StackTargets{cfg: cfg, projects: projects, logger: logger, cache: map[string]*StackTarget{}}
	if cfg.Elasticsearch.URL != "" {
		c, err := esapi.New(cfg.Elasticsearch)
		if err != nil {
			return nil, err
		}
		st.def = &StackTarget{ES: c}
	}
	if cfg.Kibana.URL != "" {
		kc := cfg.Kibana
		// Kibana accepts the same credentials as Elasticsearch; reuse them
		// when only ELASTICSEARCH_* credentials were given.
		if kc.APIKey == "" && kc.Username == "" {
			kc.APIKey, kc.Username, kc.Password = cfg.Elasticsearch.APIKey, cfg.Elasticsearch.Username, cfg.Elasticsearch.Password
		}
		k, err := esapi.NewKibana(kc)
		if err != nil {
			return nil, err
		}
		if st.def == nil {
			// Kibana alone cannot run the Elasticsearch tools, but whoami
			// reports it; keep it without a default Elasticsearch.
			st.def = &StackTarget{}
		}
		st.def.Kibana = k
	}
	return st, nil
}

// HasDefaultElasticsearch reports whether ELASTICSEARCH_URL is configured.
func (s *StackTargets) HasDefaultElasticsearch() bool {
	return s != nil && s.def != nil && s.def.ES != nil
}

// HasDefaultKibana reports whether KIBANA_URL is configured.
func (s *StackTargets) HasDefaultKibana() bool {
	return s != nil && s.def != nil && s.def.Kibana != nil
}

// DefaultKibana returns the configured Kibana (KIBANA_URL), or nil.
func (s *StackTargets) DefaultKibana() *esapi.KibanaClient {
	if !s.HasDefaultKibana() {
		return nil
	}
	return s.def.Kibana
}

// Default returns the configured target, or nil.
func (s *StackTargets) Default() *StackTarget {
	if !s.HasDefaultElasticsearch() {
		return nil
	}
	return s.def
}

// Resolve returns the target for a call: the project named by project (id,
// name or alias), or the configured cluster when project is "".
func (s *StackTargets) Resolve(ctx context.Context, project string) (*StackTarget, error) {
	project = strings.TrimSpace(project)
	if project == "" {
		if s.HasDefaultElasticsearch() {
			return s.def, nil
		}
		if s != nil && s.projects != nil {
			return nil, InvalidArgs("no default Elasticsearch is configured; pass project (a Serverless project id or name; list_projects shows them)")
		}
		return nil, Unavailable("set ELASTICSEARCH_URL with ELASTICSEARCH_API_KEY (or ELASTICSEARCH_USERNAME/PASSWORD), or EC_API_KEY to reach Serverless projects",
			"No Elasticsearch is configured.")
	}
	if s == nil || s.projects == nil {
		return nil, Unavailable("set EC_API_KEY so projects can be resolved, or leave project out to use ELASTICSEARCH_URL",
			"The project argument needs the Elastic Cloud API, which is not configured.")
	}
	s.mu.Lock()
	if t, ok := s.cache[project]; ok {
		s.mu.Unlock()
		return t, nil
	}
	s.mu.Unlock()
	p, err := s.findProject(ctx, project)
	if err != nil {
		return nil, err
	}
	t, err := s.projectTarget(p)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cached, ok := s.cache[p.ID]; ok {
		return cached, nil
	}
	s.cache[p.ID] = t
	s.cache[project] = t
	return t, nil
}

// findProject looks project up in a recent listing, and lists the projects
// again when there is none or it does not name the project (a project made
// a moment ago).
func (s *StackTargets) findProject(ctx context.Context, project string) (*cloudapi.Project, error) {
	s.mu.Lock()
	all, fresh := s.listed, time.Since(s.listedAt) < projectListTTL
	s.mu.Unlock()
	if fresh {
		if p, err := pickProject(all, project); err == nil {
			return p, nil
		}
	}
	all, err := s.projects.ListAllProjects(ctx)
	if err != nil {
		return nil, fmt.Errorf("list Serverless projects to find %q: %w", project, err)
	}
	s.mu.Lock()
	s.listed, s.listedAt = all, time.Now()
	s.mu.Unlock()
	return pickProject(all, project)
}

func pickProject(all []cloudapi.Project, want string) (*cloudapi.Project, error) {
	var byName []cloudapi.Project
	for i := range all {
		p := all[i]
		if p.ID == want {
			return &p, nil
		}
		if strings.EqualFold(p.Name, want) || (p.Alias != "" && strings.EqualFold(p.Alias, want)) {
			byName = append(byName, p)
		}
	}
	switch len(byName) {
	case 1:
		return &byName[0], nil
	case 0:
		names := make([]string, 0, len(all))
		for _, p := range all {
			names = append(names, fmt.Sprintf("%s (%s, %s)", p.Name, p.Type, p.ID))
		}
		return nil, InvalidArgs("no Serverless project has the id or name %q; projects: %s", want, orNone(strings.Join(names, "; ")))
	}
	ids := make([]string, 0, len(byName))
	for _, p := range byName {
		ids = append(ids, fmt.Sprintf("%s (%s)", p.ID, p.Type))
	}
	return nil, InvalidArgs("several projects are named %q: %s; pass the project id instead", want, strings.Join(ids, ", "))
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func (s *StackTargets) projectTarget(p *cloudapi.Project) (*StackTarget, error) {
	esURL := p.Endpoints["elasticsearch"]
	if esURL == "" {
		return nil, Unavailable("check the project's status with list_projects", "Project %s has no Elasticsearch endpoint yet.", p.ID)
	}
	ec := s.cfg.Elasticsearch
	// Keep the server's transport (its dry-run recorder), and its TLS
	// settings: projects live on public endpoints with public certificates.
	ec.URL = esURL
	t := &StackTarget{Project: p}
	// ELASTICSEARCH_API_KEY is used when it can belong to this project: no
	// other cluster is configured, or it is this very endpoint. A key made
	// in another cluster would only be rejected, so the Cloud key (which
	// works in every project it has stack access to) is preferred then.
	ownKey := ec.APIKey != "" && (s.cfg.Elasticsearch.URL == "" || sameHost(s.cfg.Elasticsearch.URL, esURL) || s.cfg.CloudAPIKey == "")
	switch {
	case ownKey:
		ec.Username, ec.Password = "", ""
	case s.cfg.CloudAPIKey != "":
		ec.APIKey, ec.Username, ec.Password = s.cfg.CloudAPIKey, "", ""
		t.CloudKey = true
	default:
		return nil, Unavailable("set ELASTICSEARCH_API_KEY to a key of the project, or configure EC_API_KEY",
			"No credential is configured for project %s.", p.ID)
	}
	ec.CACert, ec.Insecure = "", false
	es, err := esapi.New(ec)
	if err != nil {
		return nil, err
	}
	t.ES = es
	if kbURL := p.Endpoints["kibana"]; kbURL != "" {
		kc := s.cfg.Kibana
		kc.URL, kc.APIKey, kc.Username, kc.Password = kbURL, ec.APIKey, "", ""
		kc.CACert, kc.Insecure = "", false
		if kc.Transport == nil {
			kc.Transport = s.cfg.Elasticsearch.Transport
		}
		k, err := esapi.NewKibana(kc)
		if err != nil {
			return nil, err
		}
		t.Kibana = k
	}
	return t, nil
}

// Flavor detects the target's flavour. A project is Serverless by
// definition; a cluster that cannot be asked (GET / needs a privilege a
// narrow key may lack) is assumed self-managed and left to answer for
// itself.
func (t *StackTarget) Flavor(ctx context.Context) esapi.Flavor {
	if t.Project != nil {
		return esapi.FlavorServerless
	}
	f, err := t.ES.Flavor(ctx)
	if err != nil {
		return esapi.FlavorUnknown
	}
	return f
}

func sameHost(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && strings.EqualFold(ua.Host, ub.Host)
}
