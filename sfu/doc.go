// Package sfu is the selective forwarding unit of buergerbuero, built on
// pion/webrtc v4 with ion-sfu's publisher/subscriber design and JSON-RPC
// signalling. It owns rooms, peers, tracks and their packet buffers; it does
// not know about tickets or offices.
package sfu
