package main

import (
	"github.com/hashicorp/go-msgpack/v2/codec"
	"github.com/hashicorp/memberlist"
)

var _ = memberlist.DefaultLANConfig
var _ codec.MsgpackHandle

func main() {}
