// Package procstat reads what the SFU benchmarks report about a server
// process: its CPU time, resident memory and the machine's UDP receive
// buffer overflows. It owns no state; standard library only, so that the
// ion-sfu baseline module (bench/ionsfu) can use it without linking the
// product.
package procstat

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// CPUNanos is user + system CPU time of this process.
func CPUNanos() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// SysNanos is the system (kernel) part of CPUNanos: system calls, and on
// loopback the delivery of sent datagrams into the receivers' sockets.
func SysNanos() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Stime.Nano()
}

// RSSBytes is this process's resident set (VmRSS).
func RSSBytes() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// UDPRcvbufErrors is the machine-wide UDP RcvbufErrors counter
// (/proc/net/snmp): datagrams the kernel dropped because a socket's
// receive buffer was full, in every process on the box.
func UDPRcvbufErrors() int64 {
	b, err := os.ReadFile("/proc/net/snmp")
	if err != nil {
		return 0
	}
	var names []string
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "Udp: ") {
			continue
		}
		f := strings.Fields(line)[1:]
		if names == nil {
			names = f
			continue
		}
		for i, n := range names {
			if n == "RcvbufErrors" && i < len(f) {
				v, _ := strconv.ParseInt(f[i], 10, 64)
				return v
			}
		}
	}
	return 0
}
