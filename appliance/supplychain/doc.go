// Package supplychain holds no code: its tests prove that the supply-chain
// checks in scripts/ work — that scripts/vulncheck fails on a reachable
// known vulnerability (checked against a fixture module built at test time,
// so nothing vulnerable is shipped) and refuses to pass when its tool is
// missing — and that the licence information is complete: REUSE
// compliance (REUSE.toml, LICENSES/, LICENSE) and publiccode.yml.
package supplychain
