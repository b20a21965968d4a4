// Package layers holds the test that keeps Snapdash's imports running one
// way: cmd → web → handlers → (views, internal/dashboard) → vpsapi, with the
// infrastructure of internal/ below web, handlers and views. See
// docs/architecture.md.
package layers
