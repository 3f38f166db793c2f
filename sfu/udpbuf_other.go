//go:build !linux

package sfu

const (
	soRcvbufForce = 0
	soSndbufForce = 0
)
