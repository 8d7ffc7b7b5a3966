// Package main exists so that this module requires github.com/hashicorp/consul: the Consul agent
// is built from the Go module proxy with `go build github.com/hashicorp/consul` in this directory
// (scripts/install-consul.sh). A dependency's replace and exclude directives are ignored, which is
// what makes this build possible at all.
package main

import _ "github.com/hashicorp/consul/api"

func main() {}
