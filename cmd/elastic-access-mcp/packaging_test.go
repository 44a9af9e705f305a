package main

import (
	"debug/elf"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The release artifacts agree with each other: the Dockerfile and
// scripts/build.sh build the binary the same way, the image carries the
// registry name server.json publishes, and server.json documents variables
// the server really reads.

func readRepoFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(), name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// goBuildLine finds the one `go build` command in a file (with its
// environment assignments) and returns its words, the output path replaced
// by OUT and GOOS/GOARCH (cross-compilation in the image) left out.
func goBuildLine(t *testing.T, file, text string) []string {
	t.Helper()
	var found []string
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, "go build") && !strings.HasPrefix(strings.TrimSpace(line), "#") {
			found = append(found, line)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s: want exactly one go build line, found %d: %q", file, len(found), found)
	}
	words := shellWords(strings.TrimPrefix(strings.TrimSpace(found[0]), "RUN "))
	var out []string
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch {
		case strings.HasPrefix(w, "GOOS=") || strings.HasPrefix(w, "GOARCH=") || strings.HasPrefix(w, "--mount="):
			continue
		case w == "-o" && i+1 < len(words):
			out = append(out, "-o", "OUT")
			i++
			continue
		}
		out = append(out, w)
	}
	return out
}

// shellWords splits on spaces outside double quotes and drops the quotes.
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	inQuote, started := false, false
	for _, r := range s {
		switch {
		case r == '"':
			inQuote, started = !inQuote, true
		case r == ' ' && !inQuote:
			if started {
				words = append(words, cur.String())
				cur.Reset()
				started = false
			}
		default:
			cur.WriteRune(r)
			started = true
		}
	}
	if started {
		words = append(words, cur.String())
	}
	return words
}

func TestDockerfileAndBuildScriptBuildTheSameWay(t *testing.T) {
	docker := goBuildLine(t, "Dockerfile", readRepoFile(t, "Dockerfile"))
	script := goBuildLine(t, "scripts/build.sh", readRepoFile(t, "scripts/build.sh"))
	if strings.Join(docker, " ") != strings.Join(script, " ") {
		t.Errorf("the builds differ:\n  Dockerfile:       %q\n  scripts/build.sh: %q", docker, script)
	}
	joined := strings.Join(script, " ")
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-s -w -X main.buildVersion=${VERSION}", "./cmd/elastic-access-mcp"} {
		if !strings.Contains(joined, want) {
			t.Errorf("the release build lacks %q: %s", want, joined)
		}
	}
}

var dockerLabel = regexp.MustCompile(`io\.modelcontextprotocol\.server\.name="([^"]+)"`)

func TestDockerfileImage(t *testing.T) {
	df := readRepoFile(t, "Dockerfile")
	goMod := readRepoFile(t, "go.mod")
	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(goMod)
	if goVersion == nil {
		t.Fatal("go.mod has no go directive")
	}
	for _, want := range []string{
		"FROM --platform=$BUILDPLATFORM golang:" + goVersion[1] + " AS build",
		"FROM gcr.io/distroless/static-debian12:nonroot",
		"USER nonroot:nonroot",
		`ENTRYPOINT ["/elastic-access-mcp"]`,
		`CMD ["stdio"]`,
		"COPY --from=build /out/elastic-access-mcp /elastic-access-mcp",
	} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	// Rebuilds reuse downloaded modules and compiled packages.
	for _, want := range []string{"--mount=type=cache,target=/go/pkg/mod", "--mount=type=cache,target=/root/.cache/go-build"} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks the build cache mount %q", want)
		}
	}
	// The image runs the HTTP transport reachably: the documented example
	// listens on all interfaces, with a token.
	if !strings.Contains(df, "http --listen 0.0.0.0:8080") || !strings.Contains(df, "MCP_HTTP_TOKEN") {
		t.Error("Dockerfile has no example of http in a container (--listen 0.0.0.0:8080 with MCP_HTTP_TOKEN)")
	}
	if m := dockerLabel.FindAllStringSubmatch(df, -1); len(m) != 1 {
		t.Errorf("Dockerfile: want one io.modelcontextprotocol.server.name label, found %d", len(m))
	}
}

type serverJSON struct {
	Schema      string `json:"$schema"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Version     string `json:"version"`
	Packages    []struct {
		RegistryType string `json:"registryType"`
		Identifier   string `json:"identifier"`
		Version      string `json:"version"`
		Transport    struct {
			Type string `json:"type"`
		} `json:"transport"`
		PackageArguments []struct {
			Type  string `json:"type"`
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"packageArguments"`
		RuntimeArguments []struct {
			Type  string `json:"type"`
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"runtimeArguments"`
		EnvironmentVariables []struct {
			Name     string `json:"name"`
			IsSecret bool   `json:"isSecret"`
		} `json:"environmentVariables"`
	} `json:"packages"`
}

func TestServerJSON(t *testing.T) {
	raw := readRepoFile(t, "server.json")
	dec := json.NewDecoder(strings.NewReader(raw))
	var sj serverJSON
	if err := dec.Decode(&sj); err != nil {
		t.Fatalf("server.json: %v", err)
	}
	if !strings.HasPrefix(sj.Schema, "https://static.modelcontextprotocol.io/schemas/") {
		t.Errorf("$schema = %q", sj.Schema)
	}
	if !regexp.MustCompile(`^[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+$`).MatchString(sj.Name) {
		t.Errorf("name %q does not match the registry's pattern", sj.Name)
	}
	if !strings.HasPrefix(sj.Name, "io.github.elastic-access-mcp/") {
		t.Errorf("name %q is not in the namespace of the module's GitHub owner", sj.Name)
	}
	if n := len(sj.Description); n == 0 || n > 100 {
		t.Errorf("description is %d characters; the registry allows 1-100", n)
	}
	if m := dockerLabel.FindStringSubmatch(readRepoFile(t, "Dockerfile")); m == nil || m[1] != sj.Name {
		t.Errorf("the Dockerfile's io.modelcontextprotocol.server.name label %v differs from server.json's name %q", m, sj.Name)
	}

	config := readRepoFile(t, "cmd/elastic-access-mcp/config.go")
	secret := map[string]bool{"EC_API_KEY": true, "ELASTICSEARCH_API_KEY": true, "ELASTICSEARCH_PASSWORD": true}
	types := map[string]bool{}
	for _, p := range sj.Packages {
		types[p.RegistryType] = true
		if p.Transport.Type != "stdio" {
			t.Errorf("%s package: transport %q, want stdio", p.RegistryType, p.Transport.Type)
		}
		if len(p.PackageArguments) == 0 || p.PackageArguments[0].Value != "stdio" {
			t.Errorf("%s package: the first argument must be the stdio subcommand", p.RegistryType)
		}
		switch p.RegistryType {
		case "oci":
			// The image is tagged with the release's git tag (VERSION in
			// scripts/build.sh is git describe --tags), the same tag the Go
			// package needs.
			if want := "ghcr.io/elastic-access-mcp/elastic-access-mcp:v" + sj.Version; p.Identifier != want {
				t.Errorf("oci identifier %q, want %q (the image tag is the release tag)", p.Identifier, want)
			}
			// Secrets written inside a --rm container would vanish with it.
			var run []string
			for _, a := range p.RuntimeArguments {
				run = append(run, a.Name, a.Value)
			}
			var pkg []string
			for _, a := range p.PackageArguments {
				pkg = append(pkg, a.Name, a.Value)
			}
			if joined := strings.Join(run, " "); !strings.Contains(joined, "-v {secrets_volume}:/secrets") {
				t.Errorf("the container mounts no secrets volume: runtime arguments %q", joined)
			}
			if joined := strings.Join(pkg, " "); !strings.Contains(joined, "--secrets-dir /secrets") {
				t.Errorf("the container does not write secrets into the volume: package arguments %q", joined)
			}
		case "go":
			if p.Identifier != "github.com/elastic-access-mcp/elastic-access-mcp" {
				t.Errorf("go identifier %q is not the module path", p.Identifier)
			}
			if p.Version != "v"+sj.Version {
				t.Errorf("go package version %q, want v%s", p.Version, sj.Version)
			}
		}
		seen := map[string]bool{}
		for _, v := range p.EnvironmentVariables {
			seen[v.Name] = true
			if !strings.Contains(config, `"`+v.Name+`"`) {
				t.Errorf("%s package documents %s, which the server does not read", p.RegistryType, v.Name)
			}
			if v.IsSecret != secret[v.Name] {
				t.Errorf("%s package: %s isSecret=%v, want %v", p.RegistryType, v.Name, v.IsSecret, secret[v.Name])
			}
		}
		for name := range secret {
			if !seen[name] {
				t.Errorf("%s package does not document %s", p.RegistryType, name)
			}
		}
	}
	for _, want := range []string{"go", "oci"} {
		if !types[want] {
			t.Errorf("server.json has no %s package", want)
		}
	}
}

// TestReleaseBinaryIsStatic checks the release build has no dynamic loader,
// so it runs on distroless/static and scratch.
func TestReleaseBinaryIsStatic(t *testing.T) {
	f, err := elf.Open(releaseBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Fatal("the release binary needs a dynamic loader (PT_INTERP): it is not static")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Fatalf("the release binary links %v", libs)
	}
	if s := f.Section(".symtab"); s != nil {
		t.Error("the release binary keeps its symbol table: -s was not applied")
	}
}
