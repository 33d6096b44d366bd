package docker

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	rpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"todoapp.local/toolchain/standin-providers/internal/base"
)

// defaultHost is the Docker client's default daemon address on Unix.
const defaultHost = "unix:///var/run/docker.sock"

// Config is the provider configuration the stand-in uses.
type Config struct {
	Host     string
	CertPath string
	// ExplicitHost: host came from the configuration or DOCKER_HOST, so no other socket is tried.
	ExplicitHost bool
	// Known is false while a configuration value is still unknown (a preview before its inputs resolve).
	Known bool
	// RegistryAuth is parsed (so a malformed value is reported) but, as in upstream's Image, not used.
	RegistryAuth []map[string]any
}

// Env is the environment that points the docker CLI at the configured daemon. DOCKER_HOST is always set, so
// the CLI's current context is ignored, as upstream's Engine API client ignores it.
func (c Config) Env() []string {
	host := c.Host
	if host == "" {
		host = defaultHost
	}
	env := []string{"DOCKER_HOST=" + host, "DOCKER_CONTEXT="}
	if c.CertPath != "" {
		env = append(env, "DOCKER_CERT_PATH="+c.CertPath, "DOCKER_TLS_VERIFY=1")
	}
	return env
}

// ReadConfig reads host, certPath and registryAuth from the structured arguments when the engine sends them,
// else from the flat `docker:config:<key>` variables; unset host and certPath fall back to DOCKER_HOST and
// DOCKER_CERT_PATH (upstream's setConfiguration).
func ReadConfig(req *rpc.ConfigureRequest) (Config, error) {
	c := Config{Known: true}
	vals := map[string]resource.PropertyValue{}
	if args := req.GetArgs(); args != nil {
		m, err := plugin.UnmarshalProperties(args, plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true})
		if err != nil {
			return c, err
		}
		for k, v := range m {
			vals[string(k)] = v
		}
	} else {
		for k, v := range req.GetVariables() { //nolint:staticcheck // older engines send only the flat map
			k = strings.TrimPrefix(k, "docker:config:")
			if v == plugin.UnknownStringValue {
				vals[k] = resource.MakeComputed(resource.NewStringProperty(""))
			} else {
				vals[k] = resource.NewStringProperty(v)
			}
		}
	}
	str := func(k string) (string, bool) {
		v, ok := vals[k]
		if !ok || v.IsNull() {
			return "", false
		}
		if v.ContainsUnknowns() {
			c.Known = false
			return "", false
		}
		if v = base.Plain(v); v.IsString() {
			return v.StringValue(), v.StringValue() != ""
		}
		return "", false
	}
	var ok bool
	if c.Host, ok = str("host"); ok {
		c.ExplicitHost = true
	} else if h := os.Getenv("DOCKER_HOST"); h != "" {
		c.Host, c.ExplicitHost = h, true
	}
	if c.CertPath, ok = str("certPath"); !ok {
		c.CertPath = os.Getenv("DOCKER_CERT_PATH")
	}
	if v, present := vals["registryAuth"]; present && !v.ContainsUnknowns() {
		v = base.Plain(v)
		switch {
		case v.IsString(): // the SDKs send provider arguments that are not strings as JSON
			if s := v.StringValue(); s != "" && s != "null" {
				if err := json.Unmarshal([]byte(s), &c.RegistryAuth); err != nil {
					return c, fmt.Errorf("docker provider: registryAuth is not a JSON list of objects: %w", err)
				}
			}
		case v.IsArray():
			for _, e := range v.ArrayValue() {
				if e = base.Plain(e); e.IsObject() {
					c.RegistryAuth = append(c.RegistryAuth, e.ObjectValue().Mappable())
				}
			}
		}
	}
	return c, nil
}

// Connect checks that the daemon answers, as upstream's Configure does (configureDockerClient with verify):
// the configured host, or without one the default socket and then Docker Desktop's per-user sockets.
func (c Config) Connect(ctx context.Context) (Config, error) {
	candidates := []string{c.Host}
	if !c.ExplicitHost {
		candidates = []string{defaultHost}
		if home, err := os.UserHomeDir(); err == nil {
			candidates = append(candidates,
				"unix://"+filepath.Join(home, ".docker/run/docker.sock"),
				"unix://"+filepath.Join(home, ".docker/desktop/docker.sock"))
		}
	}
	var lastErr error
	for _, h := range candidates {
		try := c
		try.Host = h
		if lastErr = try.ping(ctx); lastErr == nil {
			return try, nil
		}
	}
	return c, fmt.Errorf("failed to connect to any docker daemon (stand-in pulumi-resource-docker: "+
		"`docker version` against %s): %w", strings.Join(candidates, ", "), lastErr)
}

func (c Config) ping(ctx context.Context) error {
	if _, err := exec.LookPath("docker"); err != nil {
		return fmt.Errorf("the stand-in pulumi-resource-docker drives the docker CLI, which is not on PATH: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, err := c.docker(ctx, nil, nil, "version", "--format", "{{.Server.Version}}")
	return err
}
