package sfu

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func TestMalformedSignallingGetsErrors(t *testing.T) {
	env := newTestEnv(t, Config{MaxMessageBytes: 1024})
	ws, _, err := websocket.DefaultDialer.Dial(env.wsURL(env.auth.issue("r", "clerk", RoleClerk)), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	tests := []struct {
		name string
		typ  int
		msg  string
		code int
	}{
		{"not json", websocket.TextMessage, `{"method":`, codeParseError},
		{"array", websocket.TextMessage, `[1,2]`, codeInvalidRequest},
		{"object id", websocket.TextMessage, `{"id":{},"method":"join"}`, codeInvalidRequest},
		{"no method", websocket.TextMessage, `{"id":1}`, codeInvalidRequest},
		{"unknown method", websocket.TextMessage, `{"id":1,"method":"nope"}`, codeMethodNotFound},
		{"garbage sdp", websocket.TextMessage, `{"id":1,"method":"join","params":{"sid":"r","offer":{"type":"offer","sdp":"garbage"}}}`, codeInvalidParams},
		{"wrong room", websocket.TextMessage, `{"id":1,"method":"join","params":{"sid":"other","offer":{"type":"offer","sdp":"v=0"}}}`, codeForbidden},
		{"before join", websocket.TextMessage, `{"id":2,"method":"offer","params":{}}`, codeState},
		{"bad params", websocket.TextMessage, `{"id":3,"method":"join","params":"x"}`, codeInvalidParams},
		{"too large", websocket.TextMessage, `{"id":4,"method":"join","params":"` + strings.Repeat("x", 2000) + `"}`, codeTooLarge},
		{"binary", websocket.BinaryMessage, `{}`, codeInvalidRequest},
		{"version", websocket.TextMessage, `{"jsonrpc":"1.0","id":5,"method":"join"}`, codeInvalidRequest},
	}
	for _, tc := range tests {
		if err := ws.WriteMessage(tc.typ, []byte(tc.msg)); err != nil {
			t.Fatalf("%s: write: %v", tc.name, err)
		}
		_ = ws.SetReadDeadline(time.Now().Add(waitConnect))
		var resp struct {
			Error *rpcError `json:"error"`
		}
		_, data, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("%s: connection lost: %v", tc.name, err)
		}
		if err := json.Unmarshal(data, &resp); err != nil || resp.Error == nil || resp.Error.Code != tc.code {
			t.Errorf("%s: got %s, want error code %d", tc.name, data, tc.code)
		}
	}
}
