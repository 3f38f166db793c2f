package sfu

import "syscall"

const (
	soRcvbufForce = syscall.SO_RCVBUFFORCE
	soSndbufForce = syscall.SO_SNDBUFFORCE
)
