// Package docker is a stand-in for pulumi-docker's Image (docker:index/image:Image, the native half of
// pulumi-docker v4/v5: provider/provider.go and provider/image.go), driving the docker CLI instead of the
// Engine API. Reproduced from upstream: Check's defaults (context ".", dockerfile <context>/Dockerfile,
// platform linux/<arch> with its info message, buildOnPreview false) and its implicit build.contextDigest (a
// digest of the Dockerfile and the context after the ignore file), Dockerfile and image name checks; Diff
// against the inputs kept in state (`__inputs`, secret), where every change is an in-place update and a
// change of only registry.username/password is none; no build on preview unless buildOnPreview; the build
// context sent as upstream builds it (ignore file <Dockerfile>.dockerignore before <context>/.dockerignore, a
// Dockerfile outside the context added to it); push unless skipPush, repoDigest `<repository>@sha256:...` from
// the push (else the local RepoDigests), or the image ID for an unpushed image; id = imageName; Delete leaves
// the image in the daemon; Read changes nothing; the daemon is pinged on Configure (a preview too).
package docker

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	rpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"todoapp.local/toolchain/standin-providers/internal/base"
)

const imageType = "docker:index/image:Image"

type Provider struct {
	*base.Provider

	mu     sync.Mutex
	config Config
}

func New(version string, host *provider.HostClient) *Provider {
	return &Provider{Provider: base.New("docker", version, schema(version), host)}
}

func (p *Provider) cfg() Config {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.config
}

// Configure reads host and certPath (else DOCKER_HOST and DOCKER_CERT_PATH) and, like upstream, fails unless
// the daemon answers: a preview needs it too. registryAuth is accepted and not used: upstream's Image does not
// read it either (it authenticates from its own `registry` input or the Docker config file).
func (p *Provider) Configure(ctx context.Context, req *rpc.ConfigureRequest) (*rpc.ConfigureResponse, error) {
	c, err := ReadConfig(req)
	if err != nil {
		return nil, err
	}
	if c.Known {
		if c, err = c.Connect(ctx); err != nil {
			return nil, err
		}
	}
	p.mu.Lock()
	p.config = c
	p.mu.Unlock()
	return &rpc.ConfigureResponse{SupportsPreview: true}, nil
}

// build is the resolved `build` input.
type build struct {
	Context, Dockerfile, Target, Platform, Network string
	Args                                           map[string]string
	CacheFrom, AddHosts                            []string
	BuilderV1                                      bool
}

func buildOf(v resource.PropertyValue) (build, error) {
	b := build{Context: ".", Dockerfile: "Dockerfile"}
	v = base.Plain(v)
	if !v.IsObject() {
		return b, nil
	}
	o := v.ObjectValue()
	known := func(k resource.PropertyKey) bool { return !o[k].IsNull() && !o[k].ContainsUnknowns() }
	if known("context") {
		b.Context = base.Str(o, "context")
	}
	b.Dockerfile = path.Join(b.Context, "Dockerfile")
	if known("dockerfile") {
		b.Dockerfile = base.Str(o, "dockerfile")
	}
	b.Target, b.Platform, b.Network = base.Str(o, "target"), base.Str(o, "platform"), base.Str(o, "network")
	if args := base.Plain(o["args"]); args.IsObject() {
		b.Args = map[string]string{}
		for k, a := range args.ObjectValue() {
			if a = base.Plain(a); a.IsString() {
				b.Args[string(k)] = a.StringValue()
			}
		}
	}
	if cf := base.Plain(o["cacheFrom"]); cf.IsObject() {
		if imgs := base.Plain(cf.ObjectValue()["images"]); imgs.IsArray() {
			for _, i := range imgs.ArrayValue() {
				if i = base.Plain(i); i.IsString() {
					b.CacheFrom = append(b.CacheFrom, i.StringValue())
				}
			}
		}
	}
	if hs := base.Plain(o["addHosts"]); hs.IsArray() {
		for _, h := range hs.ArrayValue() {
			if h = base.Plain(h); h.IsString() {
				b.AddHosts = append(b.AddHosts, h.StringValue())
			}
		}
	}
	switch base.Str(o, "builderVersion") {
	case "", "BuilderBuildKit":
	case "BuilderV1":
		b.BuilderV1 = true
	default:
		return b, fmt.Errorf("invalid Docker Builder version")
	}
	return b, nil
}

type registry struct{ Server, Username, Password string }

func registryOf(v resource.PropertyValue) registry {
	v = base.Plain(v)
	if !v.IsObject() {
		return registry{}
	}
	o := v.ObjectValue()
	return registry{base.Str(o, "server"), base.Str(o, "username"), base.Str(o, "password")}
}

func skipPushOf(m resource.PropertyMap) bool {
	v := base.Plain(m["skipPush"])
	return v.IsBool() && v.BoolValue()
}

func (p *Provider) Check(ctx context.Context, req *rpc.CheckRequest) (*rpc.CheckResponse, error) {
	if err := p.RequireType(req.GetUrn(), imageType); err != nil {
		return nil, err
	}
	inputs, err := base.Unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	if bop := inputs["buildOnPreview"]; bop.IsNull() || bop.ContainsUnknowns() {
		inputs["buildOnPreview"] = resource.NewBoolProperty(false)
	}
	b, err := buildOf(inputs["build"])
	if err != nil {
		return nil, err
	}
	knownDockerfile := false
	if inputs["build"].IsNull() {
		inputs["build"] = resource.NewObjectProperty(resource.PropertyMap{
			"dockerfile": resource.NewStringProperty(b.Dockerfile),
			"context":    resource.NewStringProperty(b.Context),
		})
		knownDockerfile = true
	} else if inputs["build"].IsObject() {
		o := inputs["build"].ObjectValue()
		if !o["dockerfile"].ContainsUnknowns() {
			o["dockerfile"] = resource.NewStringProperty(b.Dockerfile)
			knownDockerfile = true
		}
		if !o["context"].ContainsUnknowns() {
			o["context"] = resource.NewStringProperty(b.Context)
		}
	}
	if knownDockerfile {
		if _, statErr := os.Stat(b.Dockerfile); statErr != nil {
			if filepath.IsAbs(b.Dockerfile) {
				return nil, fmt.Errorf("expected a relative Dockerfile path; got %q instead: %v", b.Dockerfile, statErr)
			}
			rel := filepath.Join(b.Context, b.Dockerfile)
			if _, err := os.Stat(rel); err != nil {
				return nil, fmt.Errorf("could not open dockerfile at relative path %q: %v", b.Dockerfile, statErr)
			}
			return nil, fmt.Errorf("could not open dockerfile at relative path %q. Try setting `dockerfile` to %q",
				b.Dockerfile, rel)
		}
		digest, err := HashContext(b.Context, b.Dockerfile)
		if err != nil {
			return nil, err
		}
		inputs["build"].ObjectValue()["contextDigest"] = resource.NewStringProperty(digest)
	}
	hostPlatform := "linux/" + runtime.GOARCH
	if o := inputs["build"]; o.IsObject() && o.ObjectValue()["platform"].IsNull() {
		o.ObjectValue()["platform"] = resource.NewStringProperty(hostPlatform)
		p.Log(ctx, diag.Info, req.GetUrn(), fmt.Sprintf("Building your image for %s architecture.\n"+
			"To ensure you are building for the correct platform, consider explicitly setting the `platform` "+
			"field on ImageBuildOptions.", hostPlatform))
	}
	// A pushed image (or a cache source) needs a fully qualified name to find its registry.
	if (len(b.CacheFrom) > 0 || !skipPushOf(inputs)) && base.Plain(inputs["imageName"]).IsString() {
		if _, err := RegistryAddrForAuth(registryOf(inputs["registry"]).Server, base.Str(inputs, "imageName")); err != nil {
			return nil, err
		}
	}
	props, err := base.Marshal(inputs)
	return &rpc.CheckResponse{Inputs: props}, err
}

// oldInputs are the inputs upstream keeps in state under `__inputs`.
func oldInputs(state resource.PropertyMap) resource.PropertyMap {
	v := base.Plain(state["__inputs"])
	if v.IsObject() {
		return v.ObjectValue()
	}
	return resource.PropertyMap{}
}

func (p *Provider) Diff(_ context.Context, req *rpc.DiffRequest) (*rpc.DiffResponse, error) {
	olds, err := base.Unmarshal(req.GetOlds())
	if err != nil {
		return nil, err
	}
	news, err := base.Unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	d := oldInputs(olds).Diff(news)
	if d == nil {
		return &rpc.DiffResponse{Changes: rpc.DiffResponse_DIFF_NONE}, nil
	}
	detailed := map[string]*rpc.PropertyDiff{}
	for k := range d.Adds {
		detailed[string(k)] = &rpc.PropertyDiff{Kind: rpc.PropertyDiff_ADD}
	}
	for k := range d.Deletes {
		detailed[string(k)] = &rpc.PropertyDiff{Kind: rpc.PropertyDiff_DELETE}
	}
	for k, vd := range d.Updates {
		// New credentials for the same registry are not a reason to build again.
		if k == "registry" && vd.Object != nil {
			if _, server := vd.Object.Updates["server"]; !server {
				continue
			}
		}
		detailed[string(k)] = &rpc.PropertyDiff{Kind: rpc.PropertyDiff_UPDATE}
	}
	if len(detailed) == 0 {
		return &rpc.DiffResponse{Changes: rpc.DiffResponse_DIFF_NONE}, nil
	}
	keys := make([]string, 0, len(detailed))
	for k := range detailed {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return &rpc.DiffResponse{Changes: rpc.DiffResponse_DIFF_SOME, Diffs: keys, DetailedDiff: detailed,
		HasDetailedDiff: true}, nil
}

// canPreview: upstream builds on preview only with buildOnPreview true and the name and build inputs known.
func (p *Provider) canPreview(ctx context.Context, urn string, inputs resource.PropertyMap) bool {
	bop := inputs["buildOnPreview"]
	if bop.ContainsUnknowns() {
		p.Log(ctx, diag.Warning, urn, "buildOnPreview is unresolved; cannot build on preview. Continuing without "+
			"preview image build. To avoid this warning, set buildOnPreview explicitly, and ensure all inputs are "+
			"resolved at preview.")
		return false
	}
	if v := base.Plain(bop); !v.IsBool() || !v.BoolValue() {
		return false
	}
	b := base.Plain(inputs["build"])
	if !b.IsObject() || inputs["imageName"].ContainsUnknowns() || b.ObjectValue()["dockerfile"].ContainsUnknowns() ||
		b.ObjectValue()["context"].ContainsUnknowns() || b.ObjectValue()["args"].ContainsUnknowns() {
		p.Log(ctx, diag.Warning, urn, "Minimum inputs for build are unresolved. Continuing without preview image "+
			"build. To avoid this warning, ensure image name, dockerfile, args, and context are resolved at preview.")
		return false
	}
	return true
}

func (p *Provider) Create(ctx context.Context, req *rpc.CreateRequest) (*rpc.CreateResponse, error) {
	inputs, err := base.Unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	if req.GetPreview() && !p.canPreview(ctx, req.GetUrn(), inputs) {
		return &rpc.CreateResponse{Properties: req.GetProperties()}, nil
	}
	id, props, err := p.buildAndPush(ctx, req.GetUrn(), inputs, req.GetPreview())
	if err != nil {
		return nil, err
	}
	return &rpc.CreateResponse{Id: id, Properties: props}, nil
}

func (p *Provider) Update(ctx context.Context, req *rpc.UpdateRequest) (*rpc.UpdateResponse, error) {
	inputs, err := base.Unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	if req.GetPreview() && !p.canPreview(ctx, req.GetUrn(), inputs) {
		return &rpc.UpdateResponse{Properties: req.GetNews()}, nil
	}
	_, props, err := p.buildAndPush(ctx, req.GetUrn(), inputs, req.GetPreview())
	if err != nil {
		return nil, err
	}
	return &rpc.UpdateResponse{Properties: props}, nil
}

// Delete forgets the image: like upstream, it stays in the daemon (and in the registry).
func (p *Provider) Delete(context.Context, *rpc.DeleteRequest) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func (p *Provider) buildAndPush(ctx context.Context, urn string, inputs resource.PropertyMap, preview bool,
) (string, *structpb.Struct, error) {
	name := base.Str(inputs, "imageName")
	reg := registryOf(inputs["registry"])
	b, err := buildOf(inputs["build"])
	if err != nil {
		return "", nil, err
	}
	c := p.cfg()
	relDockerfile, err := RelDockerfile(b.Context, b.Dockerfile)
	if err != nil {
		return "", nil, err
	}
	if err := p.build(ctx, urn, c, name, b); err != nil {
		return "", nil, err
	}
	outputs := resource.PropertyMap{
		"dockerfile":     resource.NewStringProperty(relDockerfile),
		"context":        resource.NewStringProperty(b.Context),
		"baseImageName":  resource.NewStringProperty(name),
		"registryServer": resource.NewStringProperty(reg.Server),
		"imageName":      resource.NewStringProperty(name),
		"platform":       resource.NewStringProperty(b.Platform),
	}
	if skipPushOf(inputs) || preview {
		out, err := c.docker(ctx, nil, nil, "image", "inspect", "--format", "{{.Id}}", name)
		if err != nil {
			return "", nil, err
		}
		outputs["repoDigest"] = resource.NewStringProperty(strings.TrimSpace(out))
	} else {
		digest, err := p.push(ctx, urn, c, name, reg)
		if err != nil {
			return "", nil, err
		}
		outputs["repoDigest"] = resource.NewStringProperty(digest)
	}
	// The inputs ride along in state, secret as a whole (they hold the registry password), for Diff.
	outputs["__inputs"] = resource.MakeSecret(resource.NewObjectProperty(inputs))
	props, err := base.Marshal(outputs)
	return name, props, err
}

// build runs `docker build -f <dockerfile in context> -t <name> --build-arg K=V ... -` with the context,
// built as upstream builds it, on stdin.
func (p *Provider) build(ctx context.Context, urn string, c Config, name string, b build) error {
	dockerfileName, err := ArchiveDockerfileName(b.Context, b.Dockerfile)
	if err != nil {
		return err
	}
	pr, pw := io.Pipe()
	go func() { _ = pw.CloseWithError(WriteContextTar(pw, b.Context, b.Dockerfile, dockerfileName)) }()
	defer pr.Close()
	stdin := pr
	args := []string{"build", "-f", dockerfileName, "-t", name}
	keys := make([]string, 0, len(b.Args))
	for k := range b.Args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		args = append(args, "--build-arg", k+"="+b.Args[k])
	}
	if b.Target != "" {
		args = append(args, "--target", b.Target)
	}
	if b.Platform != "" {
		args = append(args, "--platform", b.Platform)
	}
	if b.Network != "" {
		args = append(args, "--network", b.Network)
	}
	for _, h := range b.AddHosts {
		args = append(args, "--add-host", h)
	}
	for _, cf := range b.CacheFrom {
		args = append(args, "--cache-from", cf)
	}
	args = append(args, "-")
	var env []string
	if b.BuilderV1 {
		env = append(env, "DOCKER_BUILDKIT=0")
	}
	p.Status(ctx, urn, "Starting Docker build")
	if _, err := c.dockerStreaming(ctx, env, stdin, func(line string) { p.Status(ctx, urn, line) }, args...); err != nil {
		return fmt.Errorf("error building image: %w", err)
	}
	return nil
}

var pushDigest = regexp.MustCompile(`digest: (sha256:[0-9a-f]{64})`)

// push logs in (credentials from the `registry` input, through --password-stdin into a throwaway Docker
// config, so the user's is not written) or uses the Docker config file's, pushes, and returns the repo digest.
func (p *Provider) push(ctx context.Context, urn string, c Config, name string, reg registry) (string, error) {
	server, err := RegistryAddrForAuth(reg.Server, name)
	if err != nil {
		return "", err
	}
	var env []string
	if reg.Username != "" && reg.Password != "" {
		dir, err := os.MkdirTemp("", "standin-docker-config-")
		if err != nil {
			return "", err
		}
		defer os.RemoveAll(dir)
		env = append(env, "DOCKER_CONFIG="+dir)
		if _, err := c.dockerStreaming(ctx, env, strings.NewReader(reg.Password), nil,
			"login", "--username", reg.Username, "--password-stdin", server); err != nil {
			return "", fmt.Errorf("docker login to %s: %w", server, err)
		}
	} else if reg.Username != "" || reg.Password != "" {
		which := "username was not set, although password was"
		if reg.Password == "" {
			which = "password was not set, although username was"
		}
		p.Log(ctx, diag.Warning, urn, which+"; using host credentials file")
	}
	p.Status(ctx, urn, "Pushing Image to the registry")
	out, err := c.dockerStreaming(ctx, env, nil, func(line string) { p.Status(ctx, urn, line) }, "push", name)
	if err != nil {
		return "", fmt.Errorf("docker push %s: %w", name, err)
	}
	repo := NormalizedRepository(name)
	if m := pushDigest.FindAllStringSubmatch(out, -1); len(m) > 0 {
		return repo + "@" + m[len(m)-1][1], nil
	}
	p.Log(ctx, diag.Warning, urn, "Push completed without reporting a digest; falling back to local image inspect")
	js, err := c.docker(ctx, nil, nil, "image", "inspect", "--format", "{{json .RepoDigests}}", name)
	if err != nil {
		return "", err
	}
	var digests []string
	_ = json.Unmarshal([]byte(strings.TrimSpace(js)), &digests)
	for _, d := range digests {
		if at := strings.Index(d, "@"); at > 0 && NormalizedRepository(d[:at]) == repo {
			return repo + d[at:], nil
		}
	}
	return "<none>@<none>", nil
}

// NormalizedRepository is a reference's repository in Docker's normalized form, tag and digest dropped:
// `app:1` → docker.io/library/app, `ghcr.io/a/b:1` → ghcr.io/a/b.
func NormalizedRepository(ref string) string {
	if at := strings.Index(ref, "@"); at >= 0 {
		ref = ref[:at]
	}
	if colon, slash := strings.LastIndex(ref, ":"), strings.LastIndex(ref, "/"); colon > slash {
		ref = ref[:colon]
	}
	first, rest, found := strings.Cut(ref, "/")
	if !found || (!strings.ContainsAny(first, ".:") && first != "localhost" && strings.ToLower(first) == first) {
		if !found {
			return "docker.io/library/" + ref
		}
		return "docker.io/" + ref
	}
	if first == "index.docker.io" {
		first = "docker.io"
	}
	if first == "docker.io" && !strings.Contains(rest, "/") {
		rest = "library/" + rest
	}
	return first + "/" + rest
}

// RegistryAddrForAuth is the address credentials are looked up and logged in under, as upstream's
// getRegistryAddrForAuth: the registry server's host, else the image name's (which must then be fully
// qualified); Docker Hub's names all map to https://index.docker.io/v1/.
func RegistryAddrForAuth(server, imageName string) (string, error) {
	host := server
	if host == "" {
		if NormalizedRepository(imageName) != trimTag(imageName) {
			return "", fmt.Errorf("%q: repository name must be canonical.\nThis resource requires all image names "+
				"to be fully qualified.\nFor example, if you are attempting to push to Dockerhub, prefix your image "+
				"name with `docker.io`:\n\n`docker.io/repository/image:tag`", imageName)
		}
		host, _, _ = strings.Cut(imageName, "/")
	} else {
		host = strings.TrimPrefix(strings.TrimPrefix(host, "https://"), "http://")
		host, _, _ = strings.Cut(host, "/")
	}
	switch host {
	case "docker.io", "index.docker.io", "registry-1.docker.io":
		return "https://index.docker.io/v1/", nil
	}
	return host, nil
}

func trimTag(ref string) string {
	if at := strings.Index(ref, "@"); at >= 0 {
		ref = ref[:at]
	}
	if colon, slash := strings.LastIndex(ref, ":"), strings.LastIndex(ref, "/"); colon > slash {
		ref = ref[:colon]
	}
	return ref
}

// docker runs the docker CLI against the configured daemon and returns its stdout.
func (c Config) docker(ctx context.Context, env []string, stdin io.Reader, args ...string) (string, error) {
	return c.dockerStreaming(ctx, env, stdin, nil, args...)
}

// dockerStreaming runs the docker CLI, passing each output line to onLine, and returns stdout; on failure the
// error carries the combined output.
func (c Config) dockerStreaming(ctx context.Context, env []string, stdin io.Reader, onLine func(string),
	args ...string,
) (string, error) {
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Env = append(append(os.Environ(), c.Env()...), env...)
	cmd.Stdin = stdin
	cmd.WaitDelay = 5 * time.Second
	var stdout, both bytes.Buffer
	var mu sync.Mutex
	pr, pw := io.Pipe()
	cmd.Stdout = io.MultiWriter(&stdout, lockedWriter{&mu, &both}, pw)
	cmd.Stderr = io.MultiWriter(lockedWriter{&mu, &both}, pw)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			if onLine != nil && strings.TrimSpace(sc.Text()) != "" {
				onLine(sc.Text())
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	err := cmd.Run()
	_ = pw.Close()
	<-done
	if err != nil {
		return stdout.String(), fmt.Errorf("docker %s: %w\n%s", args[0], err, strings.TrimSpace(both.String()))
	}
	return stdout.String(), nil
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func schema(version string) string {
	return `{"name":"docker","version":"` + version + `","description":"STAND-IN for pulumi-docker (Image only)",` +
		`"config":{"variables":{"host":{"type":"string"},"certPath":{"type":"string"},` +
		`"registryAuth":{"type":"array","items":{"type":"object"}},"disableDockerDaemonCheck":{"type":"boolean"}}},` +
		`"resources":{"` + imageType + `":{"inputProperties":{"imageName":{"type":"string"},` +
		`"build":{"type":"object"},"skipPush":{"type":"boolean"},"buildOnPreview":{"type":"boolean"},` +
		`"registry":{"type":"object"}},"requiredInputs":["imageName"],"properties":{"imageName":{"type":"string"},` +
		`"repoDigest":{"type":"string"},"baseImageName":{"type":"string"},"registryServer":{"type":"string"},` +
		`"dockerfile":{"type":"string"},"context":{"type":"string"},"platform":{"type":"string"}}}}}`
}
