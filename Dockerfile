# Snapdash: a small static, non-root image.
FROM golang:1.26.8 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/snapdash ./cmd/snapdash

# distroless/static has CA certificates and a nonroot user, and nothing else.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/snapdash /snapdash
ENV SNAPDASH_LISTEN=:8080 \
    SNAPDASH_SESSION_DIR=/tmp/snapdash-sessions
USER nonroot:nonroot
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s CMD ["/snapdash", "healthcheck"]
ENTRYPOINT ["/snapdash"]
