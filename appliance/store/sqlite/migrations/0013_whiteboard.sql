-- The rooms' whiteboards (package whiteboard). whiteboard_ops records
-- every operation (add, undo, clear) under the ID its author chose, once
-- (re-sends are recognised by it); its seq orders them. whiteboard_items
-- holds the drawings on the board now, their shape as JSON. Both are a
-- room's content: deleted with its chat and files (retention).
CREATE TABLE IF NOT EXISTS whiteboard_ops (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  room_id TEXT NOT NULL,
  op_id TEXT NOT NULL,
  author TEXT NOT NULL,
  type TEXT NOT NULL,                      -- add, undo, clear
  target TEXT NOT NULL DEFAULT '',         -- undo: the item's ID
  at BIGINT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS whiteboard_ops_by_id ON whiteboard_ops (room_id, op_id);
CREATE TABLE IF NOT EXISTS whiteboard_items (
  room_id TEXT NOT NULL,
  id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  author TEXT NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (room_id, id)
);
CREATE INDEX IF NOT EXISTS whiteboard_items_by_seq ON whiteboard_items (room_id, seq);
