// Package random is a stand-in for pulumi-random's RandomPassword (random:index/randomPassword:RandomPassword),
// which upstream is terraform-provider-random's random_password bridged to Pulumi. Reproduced: the inputs and
// their defaults, the character sets and the generation (the minimum counts first, the rest from the enabled
// sets, then a random shuffle, all from crypto/rand), the bcrypt hash of the result, id "none", both results
// secret, every input change a replacement, and nothing done on Read or Delete.
package random

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	rpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"golang.org/x/crypto/bcrypt"
	"google.golang.org/protobuf/types/known/emptypb"

	"todoapp.local/toolchain/standin-providers/internal/base"
)

const passwordType = "random:index/randomPassword:RandomPassword"

// DefaultSpecial is terraform-provider-random's special character set, used unless overrideSpecial is set.
const DefaultSpecial = "!@#$%&*()-_=+[]{}<>:?"

const (
	upperChars   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	lowerChars   = "abcdefghijklmnopqrstuvwxyz"
	numericChars = "0123456789"
)

// inputKeys are the resource's inputs: in the real provider every one of them forces a replacement.
var inputKeys = []resource.PropertyKey{
	"keepers", "length", "lower", "minLower", "minNumeric", "minSpecial", "minUpper", "number", "numeric",
	"overrideSpecial", "special", "upper",
}

type Provider struct {
	*base.Provider
}

func New(version string, host *provider.HostClient) *Provider {
	return &Provider{base.New("random", version, schema(version), host)}
}

func (p *Provider) Configure(context.Context, *rpc.ConfigureRequest) (*rpc.ConfigureResponse, error) {
	return &rpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true}, nil
}

// Params are the effective generation settings, defaults applied.
type Params struct {
	Length                                     int64
	Upper, Lower, Numeric, Special             bool
	MinUpper, MinLower, MinNumeric, MinSpecial int64
	OverrideSpecial                            string
}

func boolOr(m resource.PropertyMap, key resource.PropertyKey, def bool) bool {
	if v := base.Plain(m[key]); v.IsBool() {
		return v.BoolValue()
	}
	return def
}

func intOr(m resource.PropertyMap, key resource.PropertyKey, def int64) int64 {
	if v := base.Plain(m[key]); v.IsNumber() {
		return int64(v.NumberValue())
	}
	return def
}

// ParamsOf applies the real provider's defaults: all four sets on, minimums 0. `number` is the deprecated
// spelling of `numeric`; when only one is given, both take its value.
func ParamsOf(m resource.PropertyMap) Params {
	numeric := boolOr(m, "number", true)
	numeric = boolOr(m, "numeric", numeric)
	return Params{
		Length:          intOr(m, "length", 0),
		Upper:           boolOr(m, "upper", true),
		Lower:           boolOr(m, "lower", true),
		Numeric:         numeric,
		Special:         boolOr(m, "special", true),
		MinUpper:        intOr(m, "minUpper", 0),
		MinLower:        intOr(m, "minLower", 0),
		MinNumeric:      intOr(m, "minNumeric", 0),
		MinSpecial:      intOr(m, "minSpecial", 0),
		OverrideSpecial: base.Str(m, "overrideSpecial"),
	}
}

func (p *Provider) Check(_ context.Context, req *rpc.CheckRequest) (*rpc.CheckResponse, error) {
	if err := p.RequireType(req.GetUrn(), passwordType); err != nil {
		return nil, err
	}
	news, err := base.Unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	var failures []*rpc.CheckFailure
	fail := func(prop, reason string) {
		failures = append(failures, &rpc.CheckFailure{Property: prop, Reason: reason})
	}
	length := news["length"]
	switch {
	case length.IsNull():
		fail("length", "Missing required argument: The argument \"length\" is required, but no definition was found.")
	case length.ContainsUnknowns():
	case !base.Plain(length).IsNumber():
		fail("length", "length must be a number")
	default:
		p := ParamsOf(news)
		if p.Length < 1 {
			fail("length", fmt.Sprintf("Attribute length value must be at least 1, got: %d", p.Length))
		} else if sum := p.MinUpper + p.MinLower + p.MinNumeric + p.MinSpecial; p.Length < sum {
			fail("length", fmt.Sprintf("Attribute length value must be at least sum of min_upper + min_lower + "+
				"min_numeric + min_special, got: %d", p.Length))
		}
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
	// The state holds every input with its default filled in, so the new inputs are compared with defaults
	// applied too: writing out a default (special: true) is not a change.
	oldEff, newEff := effectiveInputs(olds), effectiveInputs(news)
	var replaces []string
	detailed := map[string]*rpc.PropertyDiff{}
	for _, k := range inputKeys {
		o, n := oldEff[k], newEff[k]
		if n.ContainsUnknowns() || !base.Plain(o).DeepEquals(base.Plain(n)) {
			replaces = append(replaces, string(k))
			detailed[string(k)] = &rpc.PropertyDiff{Kind: rpc.PropertyDiff_UPDATE_REPLACE}
		}
	}
	if len(replaces) == 0 {
		return &rpc.DiffResponse{Changes: rpc.DiffResponse_DIFF_NONE}, nil
	}
	return &rpc.DiffResponse{
		Changes: rpc.DiffResponse_DIFF_SOME, Replaces: replaces, Diffs: replaces,
		DetailedDiff: detailed, HasDetailedDiff: true,
	}, nil
}

// effectiveInputs is the inputs as the state records them: defaults filled, empty keepers as none.
func effectiveInputs(m resource.PropertyMap) resource.PropertyMap {
	out := resource.PropertyMap{}
	for _, k := range inputKeys {
		if v, ok := m[k]; ok && !v.IsNull() {
			out[k] = v
		}
	}
	if out["length"].ContainsUnknowns() {
		return out
	}
	p := ParamsOf(m)
	for k, v := range map[resource.PropertyKey]any{
		"upper": p.Upper, "lower": p.Lower, "number": p.Numeric, "numeric": p.Numeric, "special": p.Special,
		"minUpper": p.MinUpper, "minLower": p.MinLower, "minNumeric": p.MinNumeric, "minSpecial": p.MinSpecial,
	} {
		if !out[k].ContainsUnknowns() {
			out[k] = resource.NewPropertyValue(v)
		}
	}
	if k := out["keepers"]; k.IsObject() && len(k.ObjectValue()) == 0 {
		delete(out, "keepers")
	}
	return out
}

func (p *Provider) Create(_ context.Context, req *rpc.CreateRequest) (*rpc.CreateResponse, error) {
	ins, err := base.Unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	state := effectiveInputs(ins)
	if req.GetPreview() {
		state["result"] = resource.MakeComputed(resource.NewStringProperty(""))
		state["bcryptHash"] = resource.MakeComputed(resource.NewStringProperty(""))
		props, err := base.Marshal(state)
		return &rpc.CreateResponse{Id: "", Properties: props}, err
	}
	result, err := Generate(ParamsOf(ins))
	if err != nil {
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(result), bcrypt.DefaultCost)
	if err != nil {
		return nil, fmt.Errorf("generating the bcrypt hash: %w", err)
	}
	state["result"] = resource.MakeSecret(resource.NewStringProperty(result))
	state["bcryptHash"] = resource.MakeSecret(resource.NewStringProperty(string(hash)))
	props, err := base.Marshal(state)
	return &rpc.CreateResponse{Id: "none", Properties: props}, err
}

// Update only happens for a change Diff did not report (every input replaces): the result is kept.
func (p *Provider) Update(_ context.Context, req *rpc.UpdateRequest) (*rpc.UpdateResponse, error) {
	olds, err := base.Unmarshal(req.GetOlds())
	if err != nil {
		return nil, err
	}
	news, err := base.Unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	state := effectiveInputs(news)
	state["result"] = olds["result"]
	state["bcryptHash"] = olds["bcryptHash"]
	props, err := base.Marshal(state)
	return &rpc.UpdateResponse{Properties: props}, err
}

func (p *Provider) Delete(context.Context, *rpc.DeleteRequest) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// Generate makes a password the way terraform-provider-random does (internal/random/string.go): the minimum
// number of characters of each set, then the rest from the union of the enabled sets, then a shuffle.
func Generate(p Params) (string, error) {
	special := DefaultSpecial
	if p.OverrideSpecial != "" {
		special = p.OverrideSpecial
	}
	var all string
	for _, s := range []struct {
		on    bool
		chars string
	}{{p.Upper, upperChars}, {p.Lower, lowerChars}, {p.Numeric, numericChars}, {p.Special, special}} {
		if s.on {
			all += s.chars
		}
	}
	out := make([]byte, 0, p.Length)
	for _, m := range []struct {
		chars string
		n     int64
	}{{numericChars, p.MinNumeric}, {lowerChars, p.MinLower}, {upperChars, p.MinUpper}, {special, p.MinSpecial}} {
		b, err := pick(m.chars, m.n)
		if err != nil {
			return "", err
		}
		out = append(out, b...)
	}
	rest := p.Length - int64(len(out))
	if rest > 0 && all == "" {
		return "", fmt.Errorf("no character set is enabled: set at least one of upper, lower, numeric, special")
	}
	b, err := pick(all, rest)
	if err != nil {
		return "", err
	}
	out = append(out, b...)
	order := make([]byte, len(out))
	if _, err := rand.Read(order); err != nil {
		return "", err
	}
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return order[idx[i]] < order[idx[j]] })
	shuffled := make([]byte, len(out))
	for i, k := range idx {
		shuffled[i] = out[k]
	}
	return string(shuffled), nil
}

func pick(chars string, n int64) ([]byte, error) {
	if n <= 0 {
		return nil, nil
	}
	out := make([]byte, n)
	max := big.NewInt(int64(len(chars)))
	for i := range out {
		k, err := rand.Int(rand.Reader, max)
		if err != nil {
			return nil, err
		}
		out[i] = chars[k.Int64()]
	}
	return out, nil
}

func schema(version string) string {
	return `{"name":"random","version":"` + version + `","description":"STAND-IN for pulumi-random (RandomPassword only)",` +
		`"resources":{"` + passwordType + `":{"inputProperties":{"length":{"type":"integer"},"special":{"type":"boolean"},` +
		`"upper":{"type":"boolean"},"lower":{"type":"boolean"},"numeric":{"type":"boolean"},"number":{"type":"boolean"},` +
		`"minUpper":{"type":"integer"},"minLower":{"type":"integer"},"minNumeric":{"type":"integer"},"minSpecial":{"type":"integer"},` +
		`"overrideSpecial":{"type":"string"},"keepers":{"type":"object","additionalProperties":{"type":"string"}}},` +
		`"requiredInputs":["length"],"properties":{"result":{"type":"string","secret":true},"bcryptHash":{"type":"string","secret":true}},` +
		`"required":["result","bcryptHash"]}}}`
}
