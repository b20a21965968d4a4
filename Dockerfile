# Snapdash: a small static, non-root image.
FROM golang:1.26.8 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/snapdash ./cmd/snapdash
RUN mkdir -p /out/data && chmod 0700 /out/data

# distroless/static has CA certificates and a nonroot user, and nothing else.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/snapdash /snapdash
# The SQLite database (the default store) lives here: mount a volume to keep
# sessions and the activity record across restarts, or set SNAPDASH_DATABASE_URL.
COPY --from=build --chown=65532:65532 /out/data /data
VOLUME /data
ENV SNAPDASH_LISTEN=:8080 \
    SNAPDASH_DATA_DIR=/data
USER nonroot:nonroot
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s CMD ["/snapdash", "healthcheck"]
ENTRYPOINT ["/snapdash"]
