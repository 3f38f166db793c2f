package tlsconf

import "crypto/tls"

// The protocol parameters follow BSI TR-02102-2: TLS 1.3, and TLS 1.2 only
// with ephemeral ECDH key exchange and AEAD ciphers (AES-GCM). ChaCha20 is
// not listed by the TR and RSA key exchange, CBC, 3DES and RC4 are refused.
// The RSA-signed suites stay so that a county-issued RSA certificate (mode
// files) still works; certificates this package obtains are ECDSA P-256.
var (
	cipherSuitesTLS12 = []uint16{
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	}
	curves = []tls.CurveID{tls.X25519, tls.CurveP256, tls.CurveP384}
)

// baseConfig is the server configuration every mode shares; the mode adds
// GetCertificate.
func baseConfig() *tls.Config {
	return &tls.Config{
		MinVersion:       tls.VersionTLS12,
		CipherSuites:     cipherSuitesTLS12,
		CurvePreferences: curves,
		NextProtos:       []string{"h2", "http/1.1"},
	}
}
