// Package matrixbridge connects the reception to Matrix with mautrix-go
// bridgev2: one room per office for knocks and commands, one portal room per
// consultation. It owns its own small database and talks to the appliance
// only through the documented staff API and event stream.
//
// This package is the process around the bridge: the configuration file
// (Config, example-config.yaml), the appservice registration, the wiring of
// bridgev2 with its Matrix connector (Bridge) and Main, which
// `buergerbuero bridge` calls. The behaviour lives in the sub-packages:
//
//   - connector: the bridgev2 network connector (portals, commands, outbox,
//     purge, exactly-once bridging);
//   - staffapi: the client of the appliance's staff API and event stream;
//   - dendritetest: a real Dendrite for the integration tests.
//
// Build with the tag goolm (or nocrypto); see docs/matrix.md.
package matrixbridge
