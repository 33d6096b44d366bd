// pulumi-resource-docker: the project's STAND-IN for pulumi-docker (docker.Image only); see internal/docker.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	rpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"todoapp.local/toolchain/standin-providers/internal/docker"
)

// version is set at build time (-X main.version=...); it is never an upstream release number.
var version = "0.1.0+standin"

func main() {
	err := provider.Main("docker", func(host *provider.HostClient) (rpc.ResourceProviderServer, error) {
		return docker.New(version, host), nil
	})
	if err != nil {
		cmdutil.ExitError(err.Error())
	}
}
