package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/shlex"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	sdk "github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/contract"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/executable"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/nodejs/npm"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

const (
	runModule         = "@pulumi/pulumi/cmd/run"
	runPluginModule   = "@pulumi/pulumi/cmd/run-plugin"
	runPolicyPackMod  = "@pulumi/pulumi/cmd/run-policy-pack"
	envConfig         = "PULUMI_CONFIG"
	envConfigSecrets  = "PULUMI_CONFIG_SECRET_KEYS"
	exitCodeBailedOut = 32 // @pulumi/pulumi already printed an actionable message
)

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	mu            sync.Mutex
	engineAddress string
	tracing       string

	cancelCtx  context.Context
	cancelFunc context.CancelFunc

	// shutdownCtx/shutdown stop the whole server; set by main.
	shutdownCtx context.Context
	shutdown    context.CancelFunc
}

func newHost(engineAddress, tracing string) *host {
	ctx, cancel := context.WithCancel(context.Background())
	return &host{engineAddress: engineAddress, tracing: tracing, cancelCtx: ctx, cancelFunc: cancel}
}

func (h *host) engine() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.engineAddress
}

// runtimeOptions are the `runtime.options` of Pulumi.yaml that matter to running a program.
type runtimeOptions struct {
	typescript     bool
	tsconfig       string
	nodeargs       []string
	packageManager npm.PackageManagerType
	production     bool
}

func parseRuntimeOptions(info *pulumirpc.ProgramInfo) (runtimeOptions, error) {
	opts := runtimeOptions{typescript: true, packageManager: npm.AutoPackageManager}
	if info == nil || info.Options == nil {
		return opts, nil
	}
	m := info.Options.AsMap()
	if v, ok := m["typescript"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			return opts, errors.New("typescript option must be a boolean")
		}
		opts.typescript = b
	}
	if v, ok := m["tsconfig"]; ok {
		s, isString := v.(string)
		if !isString {
			return opts, errors.New("tsconfig option must be a string")
		}
		opts.tsconfig = s
	}
	if v, ok := m["nodeargs"]; ok {
		s, isString := v.(string)
		if !isString {
			return opts, errors.New("nodeargs option must be a string")
		}
		args, err := shlex.Split(s)
		if err != nil {
			return opts, fmt.Errorf("nodeargs: %w", err)
		}
		opts.nodeargs = args
	}
	if v, ok := m["production"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			return opts, errors.New("production option must be a boolean")
		}
		opts.production = b
	}
	if v, ok := m["packagemanager"]; ok {
		s, isString := v.(string)
		if !isString {
			return opts, errors.New("packagemanager option must be a string")
		}
		switch s {
		case "auto", "npm", "yarn", "pnpm", "bun":
			opts.packageManager = npm.PackageManagerType(s)
		default:
			return opts, fmt.Errorf("packagemanager option must be one of auto, npm, yarn, pnpm or bun, got %q", s)
		}
	}
	return opts, nil
}

func (o runtimeOptions) env() []string {
	var env []string
	if o.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if o.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+o.tsconfig)
	}
	return env
}

// resolveModule asks node, from dir, where a module is, so that the program's own @pulumi/pulumi is used.
func resolveModule(ctx context.Context, nodeBin, dir, module, hint string) (string, error) {
	script := fmt.Sprintf("try { console.log(require.resolve(%q)); } catch (e) { "+
		"console.error(e.code === 'MODULE_NOT_FOUND' ? %q : e.message); process.exit(1); }",
		module, "It looks like the Pulumi SDK has not been installed. Have you run "+hint+"?")
	cmd := exec.CommandContext(ctx, nodeBin, "-e", script)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", errors.New(strings.TrimSpace(string(ee.Stderr)))
		}
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

func (h *host) Handshake(ctx context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	h.engineAddress = req.GetEngineAddress()
	h.mu.Unlock()
	if addr := req.GetEngineAddress(); addr != "" && h.shutdownCtx != nil {
		// Stop serving (and so exit) when the engine stops answering.
		if err := rpcutil.Healthcheck(h.shutdownCtx, addr, 5*time.Minute, h.shutdown); err != nil {
			return nil, fmt.Errorf("could not start health check: %w", err)
		}
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	if info == nil {
		return nil, status.Error(codes.InvalidArgument, "RunRequest.info is required")
	}
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: "could not find node on the $PATH: " + err.Error()}, nil
	}
	opts, err := parseRuntimeOptions(info)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	runPath := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH")
	if runPath == "" {
		runPath = runModule
	}
	runPath, err = resolveModule(ctx, nodeBin, info.GetProgramDirectory(), runPath, "pulumi install")
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	// Synchronous invokes from old SDK code go through a pair of FIFOs that we serve against the monitor.
	conn, err := grpc.NewClient(req.GetMonitorAddress(),
		append(rpcutil.TracingInterceptorDialOptions(),
			grpc.WithTransportCredentials(insecure.NewCredentials()), rpcutil.GrpcChannelOptions())...)
	if err != nil {
		return nil, err
	}
	defer contract.IgnoreClose(conn)
	syncDir, syncDone, err := serveSyncInvokes(ctx, pulumirpc.NewResourceMonitorClient(conn))
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(syncDir)

	configJSON, err := configForNode(req.GetConfig())
	if err != nil {
		return &pulumirpc.RunResponse{Error: "failed to serialize configuration: " + err.Error()}, nil
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretKeysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return &pulumirpc.RunResponse{Error: "failed to serialize secret keys: " + err.Error()}, nil
	}

	args := append([]string{}, opts.nodeargs...)
	args = append(args, runPath)
	flagArg := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	flagArg("monitor", req.GetMonitorAddress())
	flagArg("engine", h.engine())
	flagArg("sync", syncDir)
	flagArg("organization", req.GetOrganization())
	flagArg("project", req.GetProject())
	flagArg("root-directory", info.GetRootDirectory())
	flagArg("stack", req.GetStack())
	flagArg("pwd", info.GetProgramDirectory())
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	flagArg("parallel", strconv.Itoa(int(req.GetParallel())))
	flagArg("tracing", h.tracing)
	entry := info.GetEntryPoint()
	if entry == "" {
		entry = "."
	}
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	env := append(os.Environ(), envConfig+"="+configJSON, envConfigSecrets+"="+string(secretKeysJSON))
	env = append(env, opts.env()...)

	cmdCtx, cmdCancel := context.WithCancel(h.cancelCtx)
	defer cmdCancel()
	stopAfter := context.AfterFunc(ctx, cmdCancel)
	defer stopAfter()
	cmd := exec.CommandContext(cmdCtx, nodeBin, args...)
	cmd.Cancel = func() error {
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			return cmd.Process.Kill()
		}
		return nil
	}
	cmd.WaitDelay = 5 * time.Second
	// Node may switch its stdio to non-blocking mode; wrapping keeps os.Stdout/os.Stderr out of its hands.
	cmd.Stdout = struct{ io.Writer }{os.Stdout}
	cmd.Stderr = struct{ io.Writer }{os.Stderr}
	cmd.Env = env
	logging.V(5).Infof("stand-in language host running: %s %s", nodeBin, strings.Join(args, " "))

	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		return &pulumirpc.RunResponse{
			Error: fmt.Sprintf("Problem executing program (could not run language executor): %v", err),
		}, nil
	}
	go func() { done <- cmd.Wait() }()

	var runErr error
	select {
	case runErr = <-done:
	case err := <-syncDone:
		if err != nil {
			cmdCancel()
			<-done
			return &pulumirpc.RunResponse{Error: "synchronous invoke channel failed: " + err.Error()}, nil
		}
		runErr = <-done
	}
	if runErr == nil {
		return &pulumirpc.RunResponse{}, nil
	}
	var exitErr *exec.ExitError
	if errors.As(runErr, &exitErr) {
		switch code := exitErr.ExitCode(); code {
		case exitCodeBailedOut:
			return &pulumirpc.RunResponse{Bail: true}, nil
		case 0:
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited unexpectedly: %v", exitErr)}, nil
		default:
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", code)}, nil
		}
	}
	return &pulumirpc.RunResponse{
		Error: fmt.Sprintf("Problem executing program (could not run language executor): %v", runErr),
	}, nil
}

// configForNode turns "<ns>:<name>" keys into the "<ns>:config:<name>" form every @pulumi/pulumi understands.
func configForNode(cfg map[string]string) (string, error) {
	out := make(map[string]string, len(cfg))
	for k, v := range cfg {
		key, err := config.ParseKey(k)
		if err != nil {
			return "", err
		}
		out[key.Namespace()+":config:"+key.Name()] = v
	}
	b, err := json.Marshal(out)
	return string(b), err
}

func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	ctx := server.Context()
	info := req.GetInfo()
	if info == nil {
		return status.Error(codes.InvalidArgument, "RunPluginRequest.info is required")
	}
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return fmt.Errorf("could not find node on the $PATH: %w", err)
	}
	opts, err := parseRuntimeOptions(info)
	if err != nil {
		return err
	}
	env := append(append([]string{}, req.GetEnv()...), opts.env()...)

	isPolicyPack := req.GetKind() == string(apitype.AnalyzerPlugin)
	module := runPolicyPackMod
	if !isPolicyPack {
		module = os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH")
		if module == "" {
			module = runPluginModule
		}
	}
	runPath, err := resolveModule(ctx, nodeBin, info.GetProgramDirectory(), module,
		"npm install in "+info.GetProgramDirectory())
	if err != nil {
		return err
	}

	args := append([]string{runPath}, opts.nodeargs...)
	if isPolicyPack {
		// run-policy-pack takes the policy pack directory last.
		args = append(args, req.GetArgs()...)
		args = append(args, info.GetProgramDirectory())
	} else {
		args = append(args, info.GetProgramDirectory())
		args = append(args, req.GetArgs()...)
	}

	// A policy pack needs the stack's configuration in its environment before it starts. The SDK's PolicyProxy
	// answers the engine's first analyzer calls itself, hands us the configuration, then forwards to the pack.
	var proxy *sdk.PolicyProxy
	if isPolicyPack {
		proxy, stdout, err = sdk.NewPolicyProxy(ctx, stdout)
		if err != nil {
			return fmt.Errorf("could not start policy pack proxy: %w", err)
		}
		stackCfg, err := proxy.AwaitConfiguration(ctx)
		if err != nil {
			return fmt.Errorf("could not get stack configuration: %w", err)
		}
		if stackCfg != nil {
			add := func(k, v string) {
				if v != "" {
					env = append(env, k+"="+v)
				}
			}
			add("PULUMI_NODEJS_ORGANIZATION", stackCfg.GetOrganization())
			add("PULUMI_NODEJS_PROJECT", stackCfg.GetProject())
			add("PULUMI_NODEJS_STACK", stackCfg.GetStack())
			add("PULUMI_NODEJS_DRY_RUN", strconv.FormatBool(stackCfg.GetDryRun()))
			if stackCfg.GetConfig() != nil {
				b, err := json.Marshal(stackCfg.GetConfig())
				if err != nil {
					return fmt.Errorf("could not marshal stack configuration: %w", err)
				}
				add(envConfig, string(b))
			}
		}
	}

	cmd := exec.CommandContext(ctx, nodeBin, args...)
	if isPolicyPack {
		cmd.Dir = info.GetProgramDirectory()
	} else {
		cmd.Dir = req.GetPwd()
	}
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = stdout, stderr
	logging.V(5).Infof("stand-in language host running plugin: %s", cmd)

	if err := cmd.Start(); err != nil {
		return fmt.Errorf("Problem executing plugin program (could not run language executor): %w", err)
	}
	if proxy != nil {
		if err := proxy.Attach(ctx, cmd); err != nil {
			return fmt.Errorf("could not attach policy pack proxy: %w", err)
		}
	} else if err := cmd.Wait(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return fmt.Errorf("Program exited with non-zero exit code: %d", exitErr.ExitCode())
		}
		return err
	}
	return closer.Close()
}

func (h *host) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()
	info := req.GetInfo()
	if info == nil {
		return status.Error(codes.InvalidArgument, "InstallDependenciesRequest.info is required")
	}
	opts, err := parseRuntimeOptions(info)
	if err != nil {
		return err
	}
	root := info.GetProgramDirectory()
	if ws, err := npm.FindWorkspaceRoot(root); err == nil {
		fmt.Fprintf(stdout, "Detected workspace root at %s\n", ws)
		root = ws
	} else if !errors.Is(err, npm.ErrNotInWorkspace) {
		return fmt.Errorf("failure while trying to find workspace root: %w", err)
	}
	fmt.Fprint(stdout, "Installing dependencies...\n\n")
	if _, err := npm.Install(server.Context(), opts.packageManager, root, opts.production, stdout, stderr); err != nil {
		return err
	}
	fmt.Fprint(stdout, "Finished installing dependencies\n\n")
	return closer.Close()
}

func (h *host) GetRequiredPlugins(ctx context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return nil, status.Error(codes.Unimplemented, "GetRequiredPlugins is deprecated; use GetRequiredPackages")
}

func (h *host) GetRequiredPackages(ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	dir := req.GetInfo().GetProgramDirectory()
	pkgs, err := findPackages(dir)
	if err != nil {
		// Like the upstream host: report what was found, log the rest.
		logging.V(3).Infof("one or more errors while discovering plugins: %s", err)
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: pkgs}, nil
}

func (h *host) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	opts, err := parseRuntimeOptions(req.GetInfo())
	if err != nil {
		return nil, err
	}
	pm, err := npm.ResolvePackageManager(opts.packageManager, req.GetInfo().GetProgramDirectory())
	if err != nil {
		return nil, fmt.Errorf("could not resolve package manager: %w", err)
	}
	nodeExe, err := executable.FindExecutable("node")
	if err != nil {
		return nil, fmt.Errorf("could not find executable node: %w", err)
	}
	resp := &pulumirpc.AboutResponse{Executable: nodeExe, Metadata: map[string]string{"packagemanager": pm.Name()}}
	if out, err := exec.CommandContext(ctx, nodeExe, "--version").Output(); err == nil {
		resp.Version = strings.TrimSpace(string(out))
	}
	if v, err := pm.Version(); err == nil {
		resp.Metadata["packagemanagerVersion"] = v.String()
	}
	ts := exec.CommandContext(ctx, nodeExe, "-e", "console.log(require('typescript/package.json').version)")
	ts.Dir = req.GetInfo().GetProgramDirectory()
	if out, err := ts.Output(); err == nil {
		resp.Metadata["typescriptVersion"] = strings.TrimSpace(string(out))
	}
	return resp, nil
}

func (h *host) GetProgramDependencies(ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	opts, err := parseRuntimeOptions(req.GetInfo())
	if err != nil {
		return nil, err
	}
	dir := req.GetInfo().GetProgramDirectory()
	pm, err := npm.ResolvePackageManager(opts.packageManager, dir)
	if err != nil {
		return nil, fmt.Errorf("failed to determine package manager: %w", err)
	}
	pkgs, err := pm.ListPackages(ctx, dir, req.GetTransitiveDependencies())
	if err != nil {
		return nil, fmt.Errorf("failed to get node dependencies: %w", err)
	}
	resp := &pulumirpc.GetProgramDependenciesResponse{}
	for _, p := range pkgs {
		resp.Dependencies = append(resp.Dependencies, &pulumirpc.DependencyInfo{Name: p.Name, Version: p.Version})
	}
	return resp, nil
}

func (h *host) RuntimeOptionsPrompts(context.Context, *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

func (h *host) Template(context.Context, *pulumirpc.TemplateRequest) (*pulumirpc.TemplateResponse, error) {
	return &pulumirpc.TemplateResponse{}, nil
}

func (h *host) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	h.cancelFunc()
	return &emptypb.Empty{}, nil
}
