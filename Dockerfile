# syntax=docker/dockerfile:1
# The elastic-access-mcp server as a static binary on distroless, running as
# a non-root user (uid 65532).
# Build:  docker build --build-arg VERSION=v1.2.3 -t elastic-access-mcp .
# stdio, as MCP clients run it (secrets land in the /secrets volume):
#   docker run -i --rm -e EC_API_KEY -v elastic-access-mcp-secrets:/secrets elastic-access-mcp stdio --secrets-dir /secrets
# HTTP, for clients that connect: listen on all interfaces inside the container
# (127.0.0.1 there is unreachable from outside), with a token of 32+ characters:
#   docker run --rm -p 8080:8080 -e EC_API_KEY -e MCP_HTTP_TOKEN elastic-access-mcp http --listen 0.0.0.0:8080
# The go build line is the one in scripts/build.sh; a test keeps them identical.

FROM --platform=$BUILDPLATFORM golang:1.26 AS build
ARG TARGETOS
ARG TARGETARCH
ARG VERSION=dev
WORKDIR /src
COPY go.mod go.sum ./
# Cache mounts keep downloaded modules and compiled packages between builds,
# so a rebuild after a code change recompiles only what changed.
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build GOOS=$TARGETOS GOARCH=$TARGETARCH CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.buildVersion=${VERSION}" -o /out/elastic-access-mcp ./cmd/elastic-access-mcp
# An empty directory the non-root user owns: a new named volume mounted on
# /secrets starts with this owner, so the server can write secrets there.
RUN mkdir -p /out/secrets

FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
LABEL io.modelcontextprotocol.server.name="io.github.elastic-access-mcp/elastic-access-mcp" \
      org.opencontainers.image.title="elastic-access-mcp" \
      org.opencontainers.image.description="MCP server to manage access in Elastic Cloud, Elasticsearch and Kibana safely" \
      org.opencontainers.image.source="https://github.com/elastic-access-mcp/elastic-access-mcp" \
      org.opencontainers.image.version="${VERSION}"
COPY --from=build /out/elastic-access-mcp /elastic-access-mcp
COPY --from=build --chown=65532:65532 --chmod=0700 /out/secrets /secrets
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/elastic-access-mcp"]
CMD ["stdio"]
