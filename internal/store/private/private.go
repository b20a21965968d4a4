// Package private keeps the SQLite store's folder and files to Snapdash
// alone: they hold sessions and sealed tokens.
package private

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Files makes the data directory 0700 and the database file 0600 (SQLite
// gives its -wal and -shm files the database file's mode), creating them if
// need be and tightening them if they exist: a folder restored from a
// backup may be 0755 and the file 0644. What cannot be made private stops
// Snapdash, naming the path.
func Files(dataDir, path string) error {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	if err := tighten(dataDir, 0o700); err != nil {
		return err
	}
	// Create it 0600 before SQLite does (which would use the umask).
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := tighten(p, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// tighten sets path's permissions to mode when they allow more.
func tighten(path string, mode fs.FileMode) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	if info.Mode().Perm()&^mode == 0 {
		return nil
	}
	if err := os.Chmod(path, mode); err != nil {
		return fmt.Errorf("%s is mode %v and cannot be made %v (it holds sessions and tokens): %w", path, info.Mode().Perm(), mode, err)
	}
	return nil
}
