// Command pulumi-language-nodejs is this project's own stand-in for Pulumi's Node.js language host.
//
// The upstream host lives in a nested Go module that the module proxy available to this project does not
// serve, so it cannot be built from source here. This program implements the part of the LanguageRuntime
// gRPC service that `pulumi preview/up/destroy/refresh`, `pulumi about`, `pulumi install` and policy packs
// (`--policy-pack`, run through RunPlugin) use, on top of the public libraries of github.com/pulumi/pulumi/sdk/v3.
// Code generation (GenerateProject/Program/Package, Pack, Link) is not implemented.
//
// Contract with the CLI: started with the engine's address as the last positional argument; prints the port of
// its gRPC server on stdout; serves until the engine goes away.
//
// Contract with @pulumi/pulumi: `node [nodeargs] <@pulumi/pulumi/cmd/run> --monitor A --engine A --sync DIR
// [--organization O] --project P [--root-directory D] --stack S --pwd D [--dry-run] --parallel N [--tracing T]
// <entry point> [args...]`, with PULUMI_CONFIG (JSON, keys as "<ns>:config:<name>") and PULUMI_CONFIG_SECRET_KEYS
// (JSON array) in the environment, and PULUMI_NODEJS_TYPESCRIPT / PULUMI_NODEJS_TSCONFIG_PATH from the project's
// runtime options.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"google.golang.org/grpc"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "v0.0.0-dev"

func main() {
	var tracingEndpoint, runtimeName string
	flag.StringVar(&tracingEndpoint, "tracing", "", "Emit tracing to a Zipkin-compatible tracing endpoint")
	flag.StringVar(&runtimeName, "runtime", "nodejs", "Runtime to use; only `nodejs` is supported by this host")
	showVersion := flag.Bool("version", false, "Print the plugin version and exit")
	flag.Parse()

	if *showVersion {
		fmt.Println(version)
		return
	}
	logging.InitLogging(false, 0, false)
	cmdutil.InitTracing("pulumi-language-nodejs", "pulumi-language-nodejs", tracingEndpoint)

	if runtimeName != "nodejs" {
		cmdutil.Exit(fmt.Errorf("unsupported runtime %q: this stand-in language host only runs node", runtimeName))
	}

	var engineAddress string
	if args := flag.Args(); len(args) > 0 {
		engineAddress = args[len(args)-1]
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	cancelServe := make(chan bool)
	go func() {
		<-ctx.Done()
		stop()
		close(cancelServe)
	}()

	if engineAddress != "" {
		// Exit when the engine stops answering, as the real host does.
		if err := rpcutil.Healthcheck(ctx, engineAddress, 5*time.Minute, stop); err != nil {
			cmdutil.Exit(fmt.Errorf("could not start health check: %w", err))
		}
	}

	host := newHost(engineAddress, tracingEndpoint)
	host.shutdownCtx, host.shutdown = ctx, stop
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancelServe,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
		Options: rpcutil.TracingServerInterceptorOptions(nil),
	})
	if err != nil {
		cmdutil.Exit(fmt.Errorf("could not start language host RPC server: %w", err))
	}

	fmt.Printf("%d\n", handle.Port)

	if err := <-handle.Done; err != nil {
		cmdutil.Exit(fmt.Errorf("language host RPC stopped serving: %w", err))
	}
}
