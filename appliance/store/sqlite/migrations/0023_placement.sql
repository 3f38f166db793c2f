-- Media placement across nodes (docs/operations.md, "Media placement").
-- media_nodes: every node's public signalling address, its last heartbeat
-- (Unix ms, its own clock) and load; a node whose heartbeat is older than
-- the expiry is dead. room_nodes: the node each room's media is placed on,
-- written once by a conditional insert, moved only off a dead node.
CREATE TABLE media_nodes (
	id TEXT PRIMARY KEY,
	url TEXT NOT NULL,
	heartbeat BIGINT NOT NULL,
	participants INTEGER NOT NULL DEFAULT 0,
	cpu INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE room_nodes (
	room_id TEXT PRIMARY KEY,
	node_id TEXT NOT NULL,
	placed_at BIGINT NOT NULL
);
CREATE INDEX room_nodes_node ON room_nodes (node_id);
