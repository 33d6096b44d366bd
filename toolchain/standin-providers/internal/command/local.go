// Package command is a stand-in for pulumi-command's local Command (command:local:Command, pulumi-command
// provider/pkg/provider/local). Reproduced: create runs once on creation and again only on an update (update
// when given, else create) or a replacement; nothing runs on preview; `triggers` changes replace, every other
// input change updates; delete runs on deletion; the command is the interpreter's argv (default /bin/sh -c)
// with the command appended, run in `dir` or the provider's working directory (the program's), with the
// provider's environment plus `environment`, plus PULUMI_COMMAND_STDOUT/STDERR of the previous run unless
// addPreviousOutputInEnv is false; stdin; stdout and stderr captured (one trailing newline trimmed) and
// streamed as status lines per `logging`; outputs are secret when any input is.
// Not implemented (refused by Check): assetPaths, archivePaths.
package command

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	rpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"

	"todoapp.local/toolchain/standin-providers/internal/base"
)

const commandType = "command:local:Command"

// inputKeys are the Command's inputs; only triggers replaces (its `provider:"replaceOnChanges"` tag upstream).
var inputKeys = []resource.PropertyKey{
	"addPreviousOutputInEnv", "archivePaths", "assetPaths", "create", "delete", "dir", "environment",
	"interpreter", "logging", "stdin", "triggers", "update",
}

type Provider struct {
	*base.Provider
}

func New(version string, host *provider.HostClient) *Provider {
	return &Provider{base.New("command", version, schema(version), host)}
}

func (p *Provider) Configure(context.Context, *rpc.ConfigureRequest) (*rpc.ConfigureResponse, error) {
	return &rpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true}, nil
}

func (p *Provider) Check(_ context.Context, req *rpc.CheckRequest) (*rpc.CheckResponse, error) {
	if err := p.RequireType(req.GetUrn(), commandType); err != nil {
		return nil, err
	}
	news, err := base.Unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	var failures []*rpc.CheckFailure
	for _, k := range []resource.PropertyKey{"assetPaths", "archivePaths"} {
		if !news[k].IsNull() {
			failures = append(failures, &rpc.CheckFailure{Property: string(k),
				Reason: string(k) + " is not implemented by the project's stand-in pulumi-resource-command " + p.Version})
		}
	}
	if l := base.Str(news, "logging"); l != "" && l != "stdout" && l != "stderr" && l != "stdoutAndStderr" && l != "none" {
		failures = append(failures, &rpc.CheckFailure{Property: "logging",
			Reason: fmt.Sprintf("logging must be stdout, stderr, stdoutAndStderr or none, not %q", l)})
	}
	return &rpc.CheckResponse{Inputs: req.GetNews(), Failures: failures}, nil
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
	detailed := map[string]*rpc.PropertyDiff{}
	var diffs, replaces []string
	for _, k := range inputKeys {
		o, n := olds[k], news[k]
		if !n.ContainsUnknowns() && base.Plain(o).DeepEquals(base.Plain(n)) {
			continue
		}
		kind := rpc.PropertyDiff_UPDATE
		switch {
		case o.IsNull():
			kind = rpc.PropertyDiff_ADD
		case n.IsNull():
			kind = rpc.PropertyDiff_DELETE
		}
		if k == "triggers" {
			kind += rpc.PropertyDiff_ADD_REPLACE - rpc.PropertyDiff_ADD // the _REPLACE variant of the same kind
			replaces = append(replaces, string(k))
		}
		diffs = append(diffs, string(k))
		detailed[string(k)] = &rpc.PropertyDiff{Kind: kind}
	}
	if len(diffs) == 0 {
		return &rpc.DiffResponse{Changes: rpc.DiffResponse_DIFF_NONE}, nil
	}
	return &rpc.DiffResponse{
		Changes: rpc.DiffResponse_DIFF_SOME, Diffs: diffs, Replaces: replaces,
		DetailedDiff: detailed, HasDetailedDiff: true,
	}, nil
}

// state is the inputs echoed (secret markers kept) plus stdout and stderr.
func state(ins resource.PropertyMap, stdout, stderr resource.PropertyValue) resource.PropertyMap {
	out := resource.PropertyMap{}
	for _, k := range inputKeys {
		if v, ok := ins[k]; ok && !v.IsNull() {
			out[k] = v
		}
	}
	secret := false
	for _, v := range out {
		secret = secret || v.ContainsSecrets()
	}
	if secret {
		stdout, stderr = resource.MakeSecret(stdout), resource.MakeSecret(stderr)
	}
	out["stdout"], out["stderr"] = stdout, stderr
	return out
}

func (p *Provider) Create(ctx context.Context, req *rpc.CreateRequest) (*rpc.CreateResponse, error) {
	ins, err := base.Unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	urn := resource.URN(req.GetUrn())
	id, err := resource.NewUniqueHex(urn.Name(), 8, 0)
	if err != nil {
		return nil, err
	}
	if req.GetPreview() {
		unknown := resource.MakeComputed(resource.NewStringProperty(""))
		props, err := base.Marshal(state(ins, unknown, unknown))
		return &rpc.CreateResponse{Id: id, Properties: props}, err
	}
	stdout, stderr := "", ""
	var runErr error
	if cmd := base.Str(ins, "create"); !ins["create"].IsNull() {
		stdout, stderr, runErr = p.run(ctx, req.GetUrn(), cmd, ins, "", "")
	}
	props, err := base.Marshal(state(ins, resource.NewStringProperty(stdout), resource.NewStringProperty(stderr)))
	if err != nil {
		return nil, err
	}
	if runErr != nil {
		// A plain error, as upstream's: the resource is not recorded, so the next update runs create again.
		return nil, runErr
	}
	return &rpc.CreateResponse{Id: id, Properties: props}, nil
}

func (p *Provider) Update(ctx context.Context, req *rpc.UpdateRequest) (*rpc.UpdateResponse, error) {
	olds, err := base.Unmarshal(req.GetOlds())
	if err != nil {
		return nil, err
	}
	news, err := base.Unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	stdout, stderr := base.Plain(olds["stdout"]), base.Plain(olds["stderr"])
	if req.GetPreview() {
		props, err := base.Marshal(state(news, stdout, stderr))
		return &rpc.UpdateResponse{Properties: props}, err
	}
	key := resource.PropertyKey("create")
	if !news["update"].IsNull() {
		key = "update"
	}
	var runErr error
	if !news[key].IsNull() {
		var o, e string
		o, e, runErr = p.run(ctx, req.GetUrn(), base.Str(news, key), news, base.Str(olds, "stdout"), base.Str(olds, "stderr"))
		if runErr == nil {
			stdout, stderr = resource.NewStringProperty(o), resource.NewStringProperty(e)
		}
	}
	props, err := base.Marshal(state(news, stdout, stderr))
	if err != nil {
		return nil, err
	}
	if runErr != nil {
		// The previous state stays recorded, as upstream's.
		return nil, runErr
	}
	return &rpc.UpdateResponse{Properties: props}, nil
}

func (p *Provider) Delete(ctx context.Context, req *rpc.DeleteRequest) (*emptypb.Empty, error) {
	olds, err := base.Unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	if !olds["delete"].IsNull() {
		if _, _, err := p.run(ctx, req.GetUrn(), base.Str(olds, "delete"), olds,
			base.Str(olds, "stdout"), base.Str(olds, "stderr")); err != nil {
			return nil, err
		}
	}
	return &emptypb.Empty{}, nil
}

// Argv is the interpreter (default /bin/sh -c, cmd /C on Windows) with the command appended as one argument.
func Argv(ins resource.PropertyMap, command string) []string {
	var argv []string
	if v := base.Plain(ins["interpreter"]); v.IsArray() {
		for _, a := range v.ArrayValue() {
			if a = base.Plain(a); a.IsString() {
				argv = append(argv, a.StringValue())
			}
		}
	}
	if len(argv) == 0 {
		argv = []string{"/bin/sh", "-c"}
		if runtime.GOOS == "windows" {
			argv = []string{"cmd", "/C"}
		}
	}
	return append(argv, command)
}

// Env is the provider's environment, then `environment` (sorted, so a later duplicate wins predictably),
// then the previous run's output unless addPreviousOutputInEnv is false.
func Env(ins resource.PropertyMap, prevStdout, prevStderr string) []string {
	env := os.Environ()
	if v := base.Plain(ins["environment"]); v.IsObject() {
		obj := v.ObjectValue()
		keys := obj.StableKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
		for _, k := range keys {
			if s := base.Plain(obj[k]); s.IsString() {
				env = append(env, string(k)+"="+s.StringValue())
			}
		}
	}
	if a := base.Plain(ins["addPreviousOutputInEnv"]); !a.IsBool() || a.BoolValue() {
		if prevStdout != "" {
			env = append(env, "PULUMI_COMMAND_STDOUT="+prevStdout)
		}
		if prevStderr != "" {
			env = append(env, "PULUMI_COMMAND_STDERR="+prevStderr)
		}
	}
	return env
}

func (p *Provider) run(ctx context.Context, urn, command string, ins resource.PropertyMap,
	prevStdout, prevStderr string,
) (string, string, error) {
	argv := Argv(ins, command)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = Env(ins, prevStdout, prevStderr)
	if dir := base.Str(ins, "dir"); dir != "" {
		cmd.Dir = dir
	}
	if stdin := base.Str(ins, "stdin"); stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	logging := base.Str(ins, "logging")
	logOut := logging == "" || logging == "stdout" || logging == "stdoutAndStderr"
	logErr := logging == "" || logging == "stderr" || logging == "stdoutAndStderr"

	var stdout, stderr, both bytes.Buffer
	var mu sync.Mutex
	lockedBoth := writerFunc(func(b []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return both.Write(b) })
	pr, pw := io.Pipe()
	outW := []io.Writer{&stdout, lockedBoth}
	errW := []io.Writer{&stderr, lockedBoth}
	if logOut {
		outW = append(outW, pw)
	}
	if logErr {
		errW = append(errW, pw)
	}
	cmd.Stdout, cmd.Stderr = io.MultiWriter(outW...), io.MultiWriter(errW...)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			p.Status(ctx, urn, sc.Text())
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	err := cmd.Run()
	_ = pw.Close()
	<-done
	if err != nil {
		return "", "", fmt.Errorf("%w: running %q:\n%s", err, command, both.String())
	}
	return strings.TrimSuffix(stdout.String(), "\n"), strings.TrimSuffix(stderr.String(), "\n"), nil
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

func schema(version string) string {
	return `{"name":"command","version":"` + version + `","description":"STAND-IN for pulumi-command (local.Command only)",` +
		`"resources":{"` + commandType + `":{"inputProperties":{"create":{"type":"string"},"update":{"type":"string"},` +
		`"delete":{"type":"string"},"dir":{"type":"string"},"stdin":{"type":"string"},"logging":{"type":"string"},` +
		`"interpreter":{"type":"array","items":{"type":"string"}},"environment":{"type":"object","additionalProperties":{"type":"string"}},` +
		`"triggers":{"type":"array","items":{"$ref":"pulumi.json#/Any"},"replaceOnChanges":true},"addPreviousOutputInEnv":{"type":"boolean"}},` +
		`"properties":{"stdout":{"type":"string"},"stderr":{"type":"string"}},"required":["stdout","stderr"]}}}`
}
