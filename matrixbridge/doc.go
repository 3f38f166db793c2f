// Package matrixbridge connects the reception to Matrix with mautrix-go
// bridgev2: one room per office for knocks and commands, one portal room per
// consultation. It owns its own small database and talks to the appliance
// only through the documented staff API and event stream.
package matrixbridge
