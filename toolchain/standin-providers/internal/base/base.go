// Package base is the gRPC plumbing the three stand-in providers share: plugin info, schema, attach, cancel,
// pass-through config checks, and the property (un)marshalling options every handler uses.
package base

import (
	"context"
	"fmt"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	rpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// Provider implements the RPCs whose behaviour is the same for every stand-in. A concrete provider embeds it
// and overrides Configure, Check, Diff, Create, Read, Update and Delete.
type Provider struct {
	rpc.UnimplementedResourceProviderServer

	Name    string
	Version string
	// Schema is a minimal package schema: enough for `pulumi package get-schema`, not for generating an SDK.
	Schema string

	mu   sync.Mutex
	host *provider.HostClient
}

// New returns the shared part of a stand-in provider talking back to the engine through host.
func New(name, version, schema string, host *provider.HostClient) *Provider {
	return &Provider{Name: name, Version: version, Schema: schema, host: host}
}

func (p *Provider) GetPluginInfo(context.Context, *emptypb.Empty) (*rpc.PluginInfo, error) {
	return &rpc.PluginInfo{Version: p.Version}, nil
}

func (p *Provider) GetSchema(_ context.Context, req *rpc.GetSchemaRequest) (*rpc.GetSchemaResponse, error) {
	if v := req.GetVersion(); v != 0 {
		return nil, fmt.Errorf("unsupported schema version %d", v)
	}
	return &rpc.GetSchemaResponse{Schema: p.Schema}, nil
}

func (p *Provider) Attach(_ context.Context, req *rpc.PluginAttach) (*emptypb.Empty, error) {
	host, err := provider.NewHostClient(req.GetAddress())
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.host = host
	p.mu.Unlock()
	return &emptypb.Empty{}, nil
}

func (p *Provider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// CheckConfig accepts the configuration as given (the real providers' own validation is not reproduced).
func (p *Provider) CheckConfig(_ context.Context, req *rpc.CheckRequest) (*rpc.CheckResponse, error) {
	return &rpc.CheckResponse{Inputs: req.GetNews()}, nil
}

// DiffConfig reports a change of any configuration value as an in-place update of the provider, never a
// replacement: none of the configuration these stand-ins read identifies the resources they manage.
func (p *Provider) DiffConfig(_ context.Context, req *rpc.DiffRequest) (*rpc.DiffResponse, error) {
	olds, err := Unmarshal(req.GetOldInputs())
	if err != nil {
		return nil, err
	}
	if len(olds) == 0 {
		if olds, err = Unmarshal(req.GetOlds()); err != nil {
			return nil, err
		}
	}
	news, err := Unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	ignore := func(k resource.PropertyKey) bool { return k == "version" || k == "pluginDownloadURL" }
	d := olds.Diff(news, ignore)
	if d == nil || !d.AnyChanges() {
		return &rpc.DiffResponse{Changes: rpc.DiffResponse_DIFF_NONE}, nil
	}
	return &rpc.DiffResponse{Changes: rpc.DiffResponse_DIFF_SOME, Diffs: KeysOf(d)}, nil
}

// Read returns the state as recorded: like the real providers for these resources, nothing is reconciled.
func (p *Provider) Read(_ context.Context, req *rpc.ReadRequest) (*rpc.ReadResponse, error) {
	return &rpc.ReadResponse{Id: req.GetId(), Inputs: req.GetInputs(), Properties: req.GetProperties()}, nil
}

// Log sends a diagnostic to the engine (a no-op before the engine connected).
func (p *Provider) Log(ctx context.Context, sev diag.Severity, urn string, msg string) {
	p.mu.Lock()
	host := p.host
	p.mu.Unlock()
	if host != nil {
		_ = host.Log(ctx, sev, resource.URN(urn), msg)
	}
}

// Status sends an ephemeral status line (shown beside the resource while an operation runs).
func (p *Provider) Status(ctx context.Context, urn string, msg string) {
	p.mu.Lock()
	host := p.host
	p.mu.Unlock()
	if host != nil {
		_ = host.LogStatus(ctx, diag.Info, resource.URN(urn), msg)
	}
}

// Unmarshal reads a property struct keeping unknowns and secrets and dropping nulls.
func Unmarshal(s *structpb.Struct) (resource.PropertyMap, error) {
	if s == nil {
		return resource.PropertyMap{}, nil
	}
	return plugin.UnmarshalProperties(s, plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true})
}

// Marshal writes a property map keeping unknowns and secrets and dropping nulls.
func Marshal(m resource.PropertyMap) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true})
}

// KeysOf lists the top-level keys an object diff touches.
func KeysOf(d *resource.ObjectDiff) []string {
	var keys []string
	for _, k := range d.ChangedKeys() {
		keys = append(keys, string(k))
	}
	return keys
}

// Str is the string value of m[key], "" when absent, null, unknown or not a string; secrets are unwrapped.
func Str(m resource.PropertyMap, key resource.PropertyKey) string {
	v := Plain(m[key])
	if v.IsString() {
		return v.StringValue()
	}
	return ""
}

// Plain unwraps secrets (and known outputs) around a value.
func Plain(v resource.PropertyValue) resource.PropertyValue {
	for {
		switch {
		case v.IsSecret():
			v = v.SecretValue().Element
		case v.IsOutput() && v.OutputValue().Known:
			v = v.OutputValue().Element
		default:
			return v
		}
	}
}

// RequireType fails for a resource type the stand-in does not implement, naming the one it does.
func (p *Provider) RequireType(urn string, want ...string) error {
	t := string(resource.URN(urn).Type())
	for _, w := range want {
		if t == w {
			return nil
		}
	}
	return fmt.Errorf("%s is a stand-in for pulumi-resource-%s implementing only %v; %s is not implemented",
		p.Name+" "+p.Version, p.Name, want, t)
}
