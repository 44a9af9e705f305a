# syntax=docker/dockerfile:1
# The elastic-access-mcp server as a static binary on distroless, running as
# a non-root user. Build: docker build --build-arg VERSION=v1.2.3 -t elastic-access-mcp .
# Run (stdio, as MCP clients do): docker run -i --rm -e EC_API_KEY elastic-access-mcp
# The go build line is the one in scripts/build.sh; a test keeps them identical.

FROM --platform=$BUILDPLATFORM golang:1.26 AS build
ARG TARGETOS
ARG TARGETARCH
ARG VERSION=dev
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN GOOS=$TARGETOS GOARCH=$TARGETARCH CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.buildVersion=${VERSION}" -o /out/elastic-access-mcp ./cmd/elastic-access-mcp

FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
LABEL io.modelcontextprotocol.server.name="io.github.elastic-access-mcp/elastic-access-mcp" \
      org.opencontainers.image.title="elastic-access-mcp" \
      org.opencontainers.image.description="MCP server to manage access in Elastic Cloud, Elasticsearch and Kibana safely" \
      org.opencontainers.image.source="https://github.com/elastic-access-mcp/elastic-access-mcp" \
      org.opencontainers.image.version="${VERSION}"
COPY --from=build /out/elastic-access-mcp /elastic-access-mcp
USER nonroot:nonroot
ENTRYPOINT ["/elastic-access-mcp"]
CMD ["stdio"]
