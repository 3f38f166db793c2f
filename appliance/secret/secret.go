// Package secret draws the identifiers and bearer tokens the domain hands
// out (ticket, room and invite ids; citizen, participant and invite
// tokens) from the CSPRNG, and hashes tokens for storage: only the hash
// of a token is ever stored.
package secret

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"strings"
)

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewID returns 80 random bits in lower-case base32 (16 characters): an
// identifier that is unguessable but not a credential.
func NewID() string {
	b := make([]byte, 10)
	rand.Read(b)
	return strings.ToLower(idEncoding.EncodeToString(b))
}

// NewToken returns 192 random bits, base64url-encoded: a bearer token.
func NewToken() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Hash is the stored form of a token (SHA-256; tokens have full entropy,
// so no salt or stretching is needed).
func Hash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
