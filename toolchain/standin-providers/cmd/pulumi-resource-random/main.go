// pulumi-resource-random: the project's STAND-IN for pulumi-random (RandomPassword only); see internal/random.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	rpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"todoapp.local/toolchain/standin-providers/internal/random"
)

// version is set at build time (-X main.version=...); it is never an upstream release number.
var version = "0.1.0+standin"

func main() {
	err := provider.Main("random", func(host *provider.HostClient) (rpc.ResourceProviderServer, error) {
		return random.New(version, host), nil
	})
	if err != nil {
		cmdutil.ExitError(err.Error())
	}
}
