// Package atomicfile writes a file so that readers see the old content or the
// new, never a part: a temporary file in the same directory, then a rename.
package atomicfile

import (
	"os"
	"path/filepath"
)

// Write replaces path with data, atomically. The file is created 0600: what
// Snapdash keeps on disk is private to it.
func Write(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // gone already after a rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
