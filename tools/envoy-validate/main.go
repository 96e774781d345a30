// envoy-validate checks Envoy bootstrap files against Envoy's own API: each YAML file is parsed
// into envoy.config.bootstrap.v3.Bootstrap with protojson (unknown fields and wrong types fail,
// typed_config Any values are resolved to their registered extension types), then ValidateAll()
// applies the protoc-gen-validate rules of the data-plane API (required fields, ranges, enums).
// Fields that the API marks deprecated are reported too (e.g. admin.access_log_path).
//
// The module is pinned (go.mod) to v1.32.4, the published data-plane API nearest the Envoy image
// the lab runs (v1.31.2): bump both together.
//
// Usage: envoy-validate FILE.yaml [FILE.yaml ...]; exit status 1 on any error, one line per error.
package main

import (
	"fmt"
	"os"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/known/anypb"
	"sigs.k8s.io/yaml"

	// Extensions named in typed_config "@type" of the lab's configs: importing them registers
	// their message types, so protojson can resolve (and validate) the Any values.
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/redis_proxy/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/health_checkers/redis/v3"
)

type validator interface{ ValidateAll() error }

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: envoy-validate FILE.yaml [FILE.yaml ...]")
		os.Exit(2)
	}
	failed := false
	for _, path := range os.Args[1:] {
		if errs := check(path); len(errs) > 0 {
			failed = true
			for _, e := range errs {
				fmt.Printf("%s: %s\n", path, e)
			}
		} else {
			fmt.Printf("%s: OK\n", path)
		}
	}
	if failed {
		os.Exit(1)
	}
}

func check(path string) []string {
	raw, err := os.ReadFile(path)
	if err != nil {
		return []string{err.Error()}
	}
	js, err := yaml.YAMLToJSON(raw)
	if err != nil {
		return []string{"yaml: " + err.Error()}
	}
	var b bootstrapv3.Bootstrap
	if err := (protojson.UnmarshalOptions{DiscardUnknown: false}).Unmarshal(js, &b); err != nil {
		return []string{"proto: " + err.Error()}
	}
	var errs []string
	if err := b.ValidateAll(); err != nil {
		errs = append(errs, "validate: "+err.Error())
	}
	errs = append(errs, deprecated(b.ProtoReflect(), string(b.ProtoReflect().Descriptor().FullName()))...)
	return errs
}

// deprecated walks every set field (into typed_config Any values too) and reports those whose
// field options say deprecated: Envoy warns on them and removes them in later releases.
func deprecated(m protoreflect.Message, where string) []string {
	var out []string
	if any, ok := m.Interface().(*anypb.Any); ok {
		inner, err := any.UnmarshalNew()
		if err != nil {
			return []string{where + ": " + err.Error()}
		}
		if v, ok := inner.(validator); ok {
			if err := v.ValidateAll(); err != nil {
				out = append(out, where+": validate: "+err.Error())
			}
		}
		return append(out, deprecated(inner.ProtoReflect(), where+"("+string(inner.ProtoReflect().Descriptor().FullName())+")")...)
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		name := where + "." + string(fd.Name())
		if opts, ok := fd.Options().(*descriptorpb.FieldOptions); ok && opts.GetDeprecated() {
			out = append(out, name+": deprecated field")
		}
		switch {
		case fd.IsList() && fd.Message() != nil:
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				out = append(out, deprecated(l.Get(i).Message(), fmt.Sprintf("%s[%d]", name, i))...)
			}
		case fd.IsMap() && fd.MapValue().Message() != nil:
			v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				out = append(out, deprecated(mv.Message(), fmt.Sprintf("%s[%s]", name, k.String()))...)
				return true
			})
		case !fd.IsList() && !fd.IsMap() && fd.Message() != nil:
			out = append(out, deprecated(v.Message(), name)...)
		case fd.Enum() != nil && !fd.IsList():
			if ev := fd.Enum().Values().ByNumber(v.Enum()); ev != nil {
				if eo, ok := ev.Options().(*descriptorpb.EnumValueOptions); ok && eo.GetDeprecated() {
					out = append(out, name+": deprecated enum value "+string(ev.Name()))
				}
			}
		}
		return true
	})
	return out
}
