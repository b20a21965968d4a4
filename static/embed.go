// Package static holds the browser assets, embedded in the binary and served
// under a content hash so they can be cached for a year.
package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"path"
)

//go:embed htmx-2.0.11.min.js app.css app.js notify.js favicon.svg
var files embed.FS

// Asset is one embedded file.
type Asset struct {
	Name        string
	Hash        string // first 12 hex digits of its SHA-256
	ContentType string
	Data        []byte
	Gzip        []byte // Data compressed once at start; nil when it would not shrink
}

// Assets indexes the embedded files by name.
type Assets struct {
	byName map[string]Asset
}

// Load reads and hashes every embedded file.
func Load() (*Assets, error) {
	a := &Assets{byName: map[string]Asset{}}
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		return a.Add(p, withoutCommentLines(p, data))
	})
	return a, err
}

// Add serves data as the asset name, hashed and compressed like the
// embedded ones: what is made once at start (each language's script words).
func (a *Assets) Add(name string, data []byte) error {
	sum := sha256.Sum256(data)
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	x := Asset{Name: name, Hash: hex.EncodeToString(sum[:])[:12], ContentType: ct, Data: data}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(data); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if buf.Len() < len(data) {
		x.Gzip = buf.Bytes()
	}
	a.byName[name] = x
	return nil
}

// withoutCommentLines drops the lines of our own scripts and styles that are
// only a comment: they are for the people who read the source, not worth
// sending to every browser, and neither is their indentation. (A whole line
// can only be a comment there: the scripts have no multi-line strings.)
// Vendored files are sent as they are.
func withoutCommentLines(name string, data []byte) []byte {
	var comment func(line []byte) bool
	switch {
	case name == "app.js" || name == "notify.js":
		comment = func(l []byte) bool { return bytes.HasPrefix(l, []byte("//")) }
	case path.Ext(name) == ".css":
		comment = func(l []byte) bool {
			return bytes.HasPrefix(l, []byte("/*")) && bytes.HasSuffix(l, []byte("*/")) && !bytes.Contains(l[2:len(l)-2], []byte("*/"))
		}
	default:
		return data
	}
	var out bytes.Buffer
	for line := range bytes.Lines(data) {
		if !comment(bytes.TrimSpace(line)) {
			out.Write(bytes.TrimLeft(line, " \t")) // indentation, too, is for the reader of the source
		}
	}
	return out.Bytes()
}

// Get returns the named asset.
func (a *Assets) Get(name string) (Asset, bool) {
	x, ok := a.byName[name]
	return x, ok
}

// Path is the asset's URL path below the static prefix: "<hash>/<name>".
// It panics on an unknown name, which only a programming error can cause.
func (a *Assets) Path(name string) string {
	x, ok := a.byName[name]
	if !ok {
		panic("static: no asset " + name)
	}
	return x.Hash + "/" + x.Name
}
