// Package bench holds the appliance's performance benchmarks (run with
// `go test -bench`); results and the exact commands are in BENCHMARKS.md.
// It owns no production code.
package bench
