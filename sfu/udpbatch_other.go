//go:build !linux

package sfu

import "net"

func platformBatchSyscalls(*net.UDPConn) batchSyscalls { return nil }
