package docker

import (
	"archive/tar"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// IgnorePatterns reads the ignore file Docker uses for this Dockerfile: `<dockerfile>.dockerignore` when it
// exists, else `<context>/.dockerignore` (the order pulumi-docker's getIgnorePatterns and BuildKit use).
func IgnorePatterns(dockerfile, contextDir string) ([]string, error) {
	for _, p := range []string{dockerfile + ".dockerignore", filepath.Join(contextDir, ".dockerignore")} {
		f, err := os.Open(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading %q: %w", p, err)
		}
		defer f.Close()
		patterns, err := ignorefile.ReadAll(f)
		if err != nil {
			return nil, fmt.Errorf("unable to parse %q: %w", p, err)
		}
		return patterns, nil
	}
	return nil, nil
}

// walkContext calls fn for every file of the context the patterns keep, in lexical order, with its path
// relative to the context (slash-separated). Excluded directories without exceptions are not descended.
func walkContext(contextDir string, patterns []string, fn func(abs, rel string, d fs.DirEntry) error) error {
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return fmt.Errorf("invalid ignore patterns: %w", err)
	}
	return filepath.WalkDir(contextDir, func(abs string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(contextDir, abs)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		excluded, err := pm.MatchesOrParentMatches(rel)
		if err != nil {
			return err
		}
		if excluded {
			if d.IsDir() && !pm.Exclusions() {
				return filepath.SkipDir
			}
			return nil
		}
		return fn(abs, rel, d)
	})
}

// HashContext digests the Dockerfile and the context files the ignore file keeps, by the scheme of
// pulumi-docker's hashContext (provider/provider.go): per file its cleaned relative path, its mode string and
// the sha256 of its content (of its target path for a symlink), the Dockerfile first under the name
// "Dockerfile". Any change of a kept file, its name or mode, or the Dockerfile changes the digest.
func HashContext(contextDir, dockerfile string) (string, error) {
	patterns, err := IgnorePatterns(dockerfile, contextDir)
	if err != nil {
		return "", err
	}
	var acc bytes.Buffer
	add := func(abs, rel string, mode fs.FileMode) error {
		h := sha256.New()
		switch {
		case mode.Type() == fs.ModeSymlink:
			target, err := filepath.EvalSymlinks(abs)
			if err != nil {
				return fmt.Errorf("could not evaluate symlink at %s: %w", abs, err)
			}
			h.Write([]byte(filepath.ToSlash(filepath.Clean(target))))
		case mode.IsRegular():
			f, err := os.Open(abs)
			if err != nil {
				return err
			}
			_, err = io.Copy(h, f)
			f.Close()
			if err != nil {
				return err
			}
		}
		acc.WriteString(path.Clean(rel))
		acc.WriteString(mode.String())
		acc.Write(h.Sum(nil))
		acc.WriteByte(0)
		return nil
	}
	if err := add(dockerfile, "Dockerfile", 0); err != nil {
		return "", fmt.Errorf("error hashing dockerfile %q: %w", dockerfile, err)
	}
	err = walkContext(contextDir, patterns, func(abs, rel string, d fs.DirEntry) error {
		if d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return add(abs, rel, info.Mode())
	})
	if err != nil {
		return "", fmt.Errorf("unable to hash build context: %w", err)
	}
	sum := sha256.Sum256(acc.Bytes())
	return hex.EncodeToString(sum[:]), nil
}

// RelDockerfile is the Dockerfile's path relative to the context, as `docker build` resolves `-f` (relative
// to the working directory): "Dockerfile", "sub/Dockerfile", or "../x.Dockerfile" when outside the context.
func RelDockerfile(contextDir, dockerfile string) (string, error) {
	absCtx, err := filepath.Abs(contextDir)
	if err != nil {
		return "", err
	}
	absDf, err := filepath.Abs(dockerfile)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(absCtx, absDf)
	if err != nil {
		return "", err
	}
	return filepath.ToSlash(rel), nil
}

// ArchiveDockerfileName is the Dockerfile's name in the build context archive: its path in the context, or
// for one outside the context a generated `.dockerfile.<hex>` it is added under (docker/cli's
// AddDockerfileToBuildContext does the same).
func ArchiveDockerfileName(contextDir, dockerfile string) (string, error) {
	rel, err := RelDockerfile(contextDir, dockerfile)
	if err != nil || !outside(rel) {
		return rel, err
	}
	suffix := make([]byte, 10)
	if _, err := rand.Read(suffix); err != nil {
		return "", err
	}
	return ".dockerfile." + hex.EncodeToString(suffix), nil
}

func outside(rel string) bool { return rel == ".." || strings.HasPrefix(rel, "../") }

// WriteContextTar writes the build context the daemon receives, as pulumi-docker sends it: the context's
// files the ignore file keeps (owned by root), the Dockerfile and .dockerignore always; a Dockerfile outside
// the context is added as name (from ArchiveDockerfileName).
func WriteContextTar(w io.Writer, contextDir, dockerfile, name string) error {
	patterns, err := IgnorePatterns(dockerfile, contextDir)
	if err != nil {
		return err
	}
	rel, err := RelDockerfile(contextDir, dockerfile)
	if err != nil {
		return err
	}
	inside := !outside(rel)
	// The build files themselves are never ignored (docker/cli TrimBuildFilesFromExcludes).
	patterns = append(patterns, "!.dockerignore")
	if inside {
		patterns = append(patterns, "!"+rel)
	}
	tw := tar.NewWriter(w)
	err = walkContext(contextDir, patterns, func(abs, rel string, d fs.DirEntry) error {
		if !inside && rel == ".dockerignore" {
			return nil // rewritten below
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		link := ""
		if info.Mode().Type() == fs.ModeSymlink {
			if link, err = os.Readlink(abs); err != nil {
				return err
			}
		}
		if !info.IsDir() && !info.Mode().IsRegular() && link == "" {
			return nil // sockets, devices, pipes: not sent
		}
		hdr, err := tar.FileInfoHeader(info, link)
		if err != nil {
			return err
		}
		hdr.Name = rel
		if info.IsDir() {
			hdr.Name += "/"
		}
		hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = 0, 0, "", ""
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if info.Mode().IsRegular() {
			f, err := os.Open(abs)
			if err != nil {
				return err
			}
			defer f.Close()
			if _, err := io.Copy(tw, f); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !inside {
		content, err := os.ReadFile(dockerfile)
		if err != nil {
			return err
		}
		// As docker/cli's AddDockerfileToBuildContext: the generated Dockerfile and the ignore file itself are
		// appended to the context's .dockerignore, so the daemon drops both instead of copying them into the image.
		ignore, err := os.ReadFile(filepath.Join(contextDir, ".dockerignore"))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		ignore = append(ignore, []byte("\n.dockerignore\n"+name+"\n")...)
		for _, f := range []struct {
			name string
			data []byte
		}{{name, content}, {".dockerignore", ignore}} {
			hdr := &tar.Header{Name: f.name, Mode: 0o600, Size: int64(len(f.data)), Typeflag: tar.TypeReg}
			if err := tw.WriteHeader(hdr); err != nil {
				return err
			}
			if _, err := tw.Write(f.data); err != nil {
				return err
			}
		}
	}
	return tw.Close()
}
