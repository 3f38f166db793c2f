// Package sfu is the selective forwarding unit of buergerbuero, built on
// pion/webrtc v4 with ion-sfu's publisher/subscriber design and ion-sfu's
// JSON-RPC signalling (docs/signalling.md). It owns rooms, peers, tracks,
// their packet buffers (sub-package buffer), the ICE sockets and the
// embedded TURN server. It does not know about tickets, offices or
// tokens: admission is delegated to an Authorizer, and it never touches
// the appliance's store.
//
// Files, one concept each: config.go (Config, Role, Grant), engine.go
// (codecs, interceptors, DTLS/SRTP policy), sfu.go (lifecycle, sockets),
// room.go (rooms, active speakers), peer.go and negotiate.go (the two
// transports of a participant), track.go (a published track and its
// simulcast layers), downtrack.go (one track towards one subscriber),
// throttle.go (keyframe-request throttling), keyframe.go (codec keyframe
// detection), data.go (data-channel relay), signal.go and jsonrpc.go
// (WebSocket JSON-RPC), turn.go (TURN server and credentials),
// metrics.go (Prometheus).
package sfu
