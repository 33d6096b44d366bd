package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// manifest is the part of a package.json that tells whether a package brings a resource plugin.
type manifest struct {
	Name    string                  `json:"name"`
	Version string                  `json:"version"`
	Pulumi  plugin.PulumiPluginJSON `json:"pulumi"`
}

// findPackages lists the resource plugins that the packages under dir's node_modules declare
// ({"pulumi": {"resource": true}} in their package.json), skipping nested policy packs.
func findPackages(dir string) ([]*pulumirpc.PackageDependency, error) {
	var (
		found []*pulumirpc.PackageDependency
		errs  []error
		seen  = map[string]bool{}
	)
	var walk func(dir string, inNodeModules bool)
	walk = func(dir string, inNodeModules bool) {
		abs, err := filepath.Abs(dir)
		if err != nil {
			errs = append(errs, err)
			return
		}
		if real, err := filepath.EvalSymlinks(abs); err == nil {
			abs = real
		}
		if seen[abs] {
			return
		}
		seen[abs] = true
		entries, err := os.ReadDir(abs)
		if err != nil {
			errs = append(errs, fmt.Errorf("reading plugin dir %s: %w", abs, err))
			return
		}
		for _, e := range entries {
			p := filepath.Join(abs, e.Name())
			isDir := e.IsDir()
			if e.Type()&os.ModeSymlink != 0 {
				fi, err := os.Stat(p)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				isDir = fi.IsDir()
			}
			switch {
			case isDir:
				if pack, err := workspace.DetectPolicyPackPathAt(p); err != nil {
					errs = append(errs, err)
					continue
				} else if pack != "" {
					continue // a policy pack's plugins are not the program's
				}
				walk(p, inNodeModules || filepath.Base(abs) == "node_modules")
			case inNodeModules && e.Name() == "package.json":
				dep, err := readManifest(p)
				if err != nil {
					errs = append(errs, err)
				} else if dep != nil {
					found = append(found, dep)
				}
			}
		}
	}
	walk(dir, false)
	return found, errors.Join(errs...)
}

func readManifest(path string) (*pulumirpc.PackageDependency, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("unmarshaling %s: %w", path, err)
	}
	if !m.Pulumi.Resource {
		return nil, nil
	}
	name := m.Pulumi.Name
	if name == "" {
		if !strings.HasPrefix(m.Name, "@pulumi/") {
			return nil, fmt.Errorf("%s: third-party package %q must name its plugin under \"pulumi\"", path, m.Name)
		}
		name = strings.TrimPrefix(m.Name, "@pulumi/")
	}
	version := m.Pulumi.Version
	if version == "" {
		version = m.Version
	}
	if version == "" {
		return nil, fmt.Errorf("%s: missing \"version\"", path)
	}
	if !strings.HasPrefix(version, "v") {
		version = "v" + version
	}
	dep := &pulumirpc.PackageDependency{Name: name, Kind: "resource", Version: version, Server: m.Pulumi.Server}
	if p := m.Pulumi.Parameterization; p != nil {
		dep.Parameterization = &pulumirpc.PackageParameterization{Name: p.Name, Version: p.Version, Value: p.Value}
	}
	if p := m.Pulumi.ExtensionParameterization; p != nil {
		dep.Extension = &pulumirpc.PackageParameterization{Name: p.Name, Version: p.Version, Value: p.Value}
	}
	return dep, nil
}
