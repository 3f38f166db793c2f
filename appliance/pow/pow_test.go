package pow

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	altcha "github.com/altcha-org/altcha-lib-go"
)

var testKey = bytes.Repeat([]byte{7}, 32)

func newPoW(t testing.TB, max int64) *PoW {
	t.Helper()
	p, err := New(testKey, Settings{MaxNumber: max, Expiry: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// solve does what the widget does: search the number whose salted hash is
// the challenge, and encode the payload.
func solve(t testing.TB, c any) altcha.Payload {
	t.Helper()
	ch := c.(altcha.Challenge)
	sol, err := altcha.SolveChallenge(ch.Challenge, ch.Salt, altcha.Algorithm(ch.Algorithm), int(ch.MaxNumber), 0, nil)
	if err != nil || sol == nil {
		t.Fatalf("no solution: %v", err)
	}
	return altcha.Payload{Algorithm: ch.Algorithm, Challenge: ch.Challenge, Number: int64(sol.Number), Salt: ch.Salt, Signature: ch.Signature}
}

func encode(p altcha.Payload) string {
	b, _ := json.Marshal(p)
	return base64.StdEncoding.EncodeToString(b)
}

func challenge(t testing.TB, p *PoW) altcha.Challenge {
	t.Helper()
	c, err := p.Challenge()
	if err != nil {
		t.Fatal(err)
	}
	return c.(altcha.Challenge)
}

func TestChallengeShape(t *testing.T) {
	p := newPoW(t, 1000)
	c := challenge(t, p)
	if c.Algorithm != "SHA-256" || c.MaxNumber != 1000 || len(c.Challenge) != 64 || len(c.Signature) != 64 {
		t.Fatalf("challenge %+v", c)
	}
	exp, ok := expires(c.Salt)
	if !ok || exp.Sub(time.Now()) > 5*time.Minute || exp.Sub(time.Now()) < 4*time.Minute {
		t.Fatalf("salt %q: expiry %v, want in 5 minutes", c.Salt, exp)
	}
	if challenge(t, p).Salt == c.Salt {
		t.Fatal("two challenges share a salt")
	}
}

func TestVerify(t *testing.T) {
	p := newPoW(t, 2000)
	other, _ := New(bytes.Repeat([]byte{8}, 32), Settings{MaxNumber: 2000})
	cases := []struct {
		name   string
		tamper func(*altcha.Payload)
		by     *PoW
		want   bool
	}{
		{"solved", func(*altcha.Payload) {}, p, true},
		{"wrong number", func(s *altcha.Payload) { s.Number++ }, p, false},
		{"wrong signature", func(s *altcha.Payload) { s.Signature = hex.EncodeToString(make([]byte, 32)) }, p, false},
		{"another installation's key", func(*altcha.Payload) {}, other, false},
		{"extended expiry", func(s *altcha.Payload) {
			s.Salt = s.Salt[:len(s.Salt)-len("1234567890&")] + strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10) + "&"
		}, p, false},
		{"SHA-1", func(s *altcha.Payload) { s.Algorithm = "SHA-1" }, p, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sol := solve(t, challenge(t, c.by))
			c.tamper(&sol)
			ok, err := p.Verify(encode(sol))
			if err != nil || ok != c.want {
				t.Fatalf("Verify = %v, %v; want %v", ok, err, c.want)
			}
		})
	}
}

// A payload whose challenge was issued without expiry (by the library
// default) is refused: every challenge of ours carries one.
func TestVerifyRefusesChallengeWithoutExpiry(t *testing.T) {
	p := newPoW(t, 2000)
	c, _ := altcha.CreateChallenge(altcha.ChallengeOptions{MaxNumber: 2000, HMACKey: string(testKey)})
	if ok, err := p.Verify(encode(solve(t, c))); ok || err != nil {
		t.Fatalf("Verify = %v, %v; want false", ok, err)
	}
}

func TestVerifyRefusesMalformed(t *testing.T) {
	p := newPoW(t, 1000)
	for _, s := range []string{"", "%%%", base64.StdEncoding.EncodeToString([]byte("{")), base64.StdEncoding.EncodeToString([]byte("[]")),
		string(bytes.Repeat([]byte("A"), 10000))} {
		if ok, err := p.Verify(s); ok || err != nil {
			t.Errorf("Verify(%.20q) = %v, %v; want false, nil", s, ok, err)
		}
	}
}

func TestVerifyRefusesExpired(t *testing.T) {
	p := newPoW(t, 2000)
	sol := encode(solve(t, challenge(t, p)))
	p.now = func() time.Time { return time.Now().Add(5*time.Minute + time.Second) }
	if ok, err := p.Verify(sol); ok || err != nil {
		t.Fatalf("Verify after expiry = %v, %v; want false", ok, err)
	}
}

func TestVerifyRefusesReplay(t *testing.T) {
	p := newPoW(t, 2000)
	sol := encode(solve(t, challenge(t, p)))
	if ok, _ := p.Verify(sol); !ok {
		t.Fatal("first Verify refused")
	}
	if ok, err := p.Verify(sol); ok || err != nil {
		t.Fatalf("second Verify = %v, %v; want false", ok, err)
	}
}

// Of many concurrent attempts to spend one solution, exactly one succeeds.
func TestVerifyConcurrentReplay(t *testing.T) {
	p := newPoW(t, 2000)
	sol := encode(solve(t, challenge(t, p)))
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted := 0
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, _ := p.Verify(sol); ok {
				mu.Lock()
				accepted++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if accepted != 1 {
		t.Fatalf("%d of 50 concurrent Verify accepted, want 1", accepted)
	}
}

// Spent solutions are forgotten once their challenge expired, so the
// memory stays bounded by the challenges of the last few minutes.
func TestSpentSetForgetsExpired(t *testing.T) {
	p := newPoW(t, 1000)
	now := time.Now()
	for i := range 1023 {
		p.spend(strconv.Itoa(i), now.Add(time.Second), now)
	}
	later := now.Add(2 * time.Second)
	p.spend("fresh", later.Add(time.Minute), later)
	if len(p.spent) != 1 {
		t.Fatalf("spent set holds %d entries after expiry, want 1", len(p.spent))
	}
}

func TestLoadKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	k1, err := LoadKey(dir)
	if err != nil || len(k1) != 32 {
		t.Fatalf("LoadKey = %x, %v", k1, err)
	}
	fi, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file %v, %v; want mode 0600", fi.Mode(), err)
	}
	k2, err := LoadKey(dir)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatal("second LoadKey returned another key")
	}
	os.WriteFile(filepath.Join(dir, KeyFile), []byte("abcd\n"), 0o600)
	if _, err := LoadKey(dir); err == nil {
		t.Fatal("short key accepted")
	}
}

func BenchmarkChallenge(b *testing.B) {
	p := newPoW(b, DefaultMaxNumber)
	for b.Loop() {
		if _, err := p.Challenge(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	p := newPoW(b, DefaultMaxNumber)
	exp := time.Now().Add(time.Hour)
	payloads := make([]string, 0, 1<<16)
	for i := range int64(1 << 16) {
		c, _ := altcha.CreateChallenge(altcha.ChallengeOptions{Algorithm: altcha.SHA256, HMACKey: string(testKey), Number: &i, Expires: &exp})
		payloads = append(payloads, encode(altcha.Payload{Algorithm: c.Algorithm, Challenge: c.Challenge, Number: i, Salt: c.Salt, Signature: c.Signature}))
	}
	i := 0
	for b.Loop() {
		if i == len(payloads) { // keep the spent set from answering
			b.StopTimer()
			p.spent = map[string]time.Time{}
			i = 0
			b.StartTimer()
		}
		if ok, _ := p.Verify(payloads[i]); !ok {
			b.Fatal("refused")
		}
		i++
	}
}

// BenchmarkSolverHash measures what one solver step costs in Go on this
// machine: SHA-256 of salt+number, hex-compared, as a bot would run it
// (compare the browser's rate in e2e TestProofOfWorkInBrowser and
// docs/pow.md).
func BenchmarkSolverHash(b *testing.B) {
	salt := "0123456789abcdef01234567?expires=1767225600&"
	n := 0
	var sink [32]byte
	for b.Loop() {
		sink = sha256.Sum256([]byte(salt + strconv.Itoa(n)))
		_ = hex.EncodeToString(sink[:])
		n++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "hashes/s")
}
