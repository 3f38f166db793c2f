package sfu

import (
	"encoding/json"

	"github.com/pion/webrtc/v4"
)

// JSON-RPC 2.0 error codes. The -320xx range is ours (see
// docs/signalling.md).
const (
	codeParseError     = -32700
	codeInvalidRequest = -32600
	codeMethodNotFound = -32601
	codeInvalidParams  = -32602
	codeInternal       = -32603
	codeServer         = -32000 // operation failed (SDP, ICE)
	codeForbidden      = -32001 // the token does not allow this
	codeState          = -32002 // wrong order, e.g. offer before join
	codeTooLarge       = -32003 // message larger than MaxMessageBytes
)

// rpcError is a JSON-RPC error object.
type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *rpcError) Error() string { return e.Message }

// request is an incoming call or notification. ion-sfu's JS client omits
// "jsonrpc", so it is optional; notifications have no id.
type request struct {
	JSONRPC string          `json:"jsonrpc,omitempty"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params,omitempty"`
}

// response is a reply to a call.
type response struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  any             `json:"result,omitempty"`
	Error   *rpcError       `json:"error,omitempty"`
}

// notification is a server-initiated message without id.
type notification struct {
	JSONRPC string `json:"jsonrpc"`
	Method  string `json:"method"`
	Params  any    `json:"params"`
}

// Parameter objects of the methods, field names as in ion-sfu.
type (
	joinParams struct {
		SID    string                    `json:"sid"`
		UID    string                    `json:"uid"`
		Offer  webrtc.SessionDescription `json:"offer"`
		Config JoinConfig                `json:"config"`
	}
	negotiationParams struct {
		Desc webrtc.SessionDescription `json:"desc"`
	}
	trickleParams struct {
		Target    int                     `json:"target"`
		Candidate webrtc.ICECandidateInit `json:"candidate"`
	}
	layerParams struct {
		StreamID string `json:"streamId"`
		Layer    int    `json:"layer"`
	}
	streamKindParams struct {
		StreamID string `json:"streamId"`
		Kind     string `json:"kind"`
	}
	restartParams struct {
		Target int `json:"target"`
	}
	activeSpeakersParams struct {
		Streams []string `json:"streams"`
	}
)

var nullID = json.RawMessage("null")

// parseRequest validates the envelope. On error it returns the id to
// answer with (null if unknown) and the error object.
func parseRequest(data []byte) (request, *rpcError) {
	if !json.Valid(data) {
		return request{ID: nullID}, &rpcError{codeParseError, "parse error"}
	}
	var req request
	if err := json.Unmarshal(data, &req); err != nil {
		return request{ID: nullID}, &rpcError{codeInvalidRequest, "invalid request"}
	}
	if !validID(req.ID) {
		return request{ID: nullID}, &rpcError{codeInvalidRequest, "invalid id"}
	}
	if req.JSONRPC != "" && req.JSONRPC != "2.0" {
		return req, &rpcError{codeInvalidRequest, "unsupported jsonrpc version"}
	}
	if req.Method == "" {
		return req, &rpcError{codeInvalidRequest, "missing method"}
	}
	return req, nil
}

// validID accepts absent, string, number and null ids (JSON-RPC 2.0 §4).
func validID(id json.RawMessage) bool {
	if len(id) == 0 {
		return true
	}
	switch id[0] {
	case '"', 'n', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return true
	}
	return false
}

// decodeParams strictly decodes params into v.
func decodeParams(raw json.RawMessage, v any) *rpcError {
	if len(raw) == 0 {
		return &rpcError{codeInvalidParams, "missing params"}
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return &rpcError{codeInvalidParams, "invalid params"}
	}
	return nil
}
