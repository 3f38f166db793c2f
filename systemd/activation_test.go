package systemd

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const activationChildEnv = "BUERGERBUERO_TEST_ACTIVATION_CHILD"

// runActivationChild is the socket-activated daemon: it takes its sockets
// from LISTEN_FDS, serves HTTPS on "https" and echoes datagrams on "media"
// until its stdin is closed.
func runActivationChild(certDir string) int {
	a, err := Listeners()
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	if os.Getenv("LISTEN_FDS") != "" {
		fmt.Fprintln(os.Stderr, "child: LISTEN_FDS still set")
		return 1
	}
	cert, err := tls.LoadX509KeyPair(filepath.Join(certDir, "cert.pem"), filepath.Join(certDir, "key.pem"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "activated pid %d", os.Getpid())
		}),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 5 * time.Second,
	}
	go srv.ServeTLS(a.Listener(NameHTTPS), "", "")
	go func() {
		media := a.PacketConn(NameMedia)
		buf := make([]byte, 1500)
		for {
			n, from, err := media.ReadFrom(buf)
			if err != nil {
				return
			}
			media.WriteTo(buf[:n], from)
		}
	}()
	fmt.Println("ready", strings.Join(a.Names(), ","))
	io.Copy(io.Discard, os.Stdin)
	srv.Close()
	a.Close()
	return 0
}

func TestSocketActivation(t *testing.T) {
	dir := t.TempDir()
	pool := writeSelfSigned(t, dir)
	tcp, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	tcpFile, err := tcp.File()
	if err != nil {
		t.Fatal(err)
	}
	udpFile, err := udp.File()
	if err != nil {
		t.Fatal(err)
	}
	httpsAddr, mediaAddr := tcp.Addr().String(), udp.LocalAddr().String()

	// LISTEN_PID must be the child's pid, known only after fork: let a shell
	// set it and exec the test binary, as systemd-socket-activate does.
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/bin/sh", "-c", `LISTEN_PID=$$ exec "$0"`, exe)
	cmd.Env = append(os.Environ(), activationChildEnv+"="+dir, "LISTEN_FDS=2", "LISTEN_FDNAMES=https:media")
	cmd.ExtraFiles = []*os.File{tcpFile, udpFile} // fds 3 and 4
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The child owns the sockets now.
	for _, c := range []io.Closer{tcpFile, udpFile, tcp, udp} {
		c.Close()
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		stdin.Close()
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("child: %v", err)
			}
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			t.Error("child did not exit after stdin closed")
		}
	}()

	lines := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(stdout).ReadString('\n')
		lines <- strings.TrimSpace(l)
	}()
	select {
	case l := <-lines:
		if l != "ready https,media" {
			t.Fatalf("child said %q, want %q", l, "ready https,media")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("child not ready within 30s")
	}

	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get("https://" + httpsAddr + "/")
	if err != nil {
		t.Fatalf("HTTPS to activated socket: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := fmt.Sprintf("activated pid %d", cmd.Process.Pid); string(body) != want {
		t.Errorf("HTTPS body %q, want %q (served by the child)", body, want)
	}

	conn, err := net.Dial("udp", mediaAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("stun?")); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 64)
	n, err := conn.Read(buf)
	if err != nil || string(buf[:n]) != "stun?" {
		t.Fatalf("UDP echo from activated socket: %q, %v", buf[:n], err)
	}
}

func TestListenersWithoutActivation(t *testing.T) {
	t.Setenv("LISTEN_PID", "")
	t.Setenv("LISTEN_FDS", "")
	a, err := Listeners()
	if err != nil || !a.Empty() {
		t.Fatalf("Listeners() = %v, %v; want empty", a.Names(), err)
	}
	l, err := a.ListenerOr(NameHTTPS, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c, err := a.PacketConnOr(NameMedia, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := a.ListenerOr(NameHTTP, l.Addr().String()); err == nil || !strings.Contains(err.Error(), "http") {
		t.Errorf("listening on a taken address: %v, want an error naming the socket", err)
	}
}

// writeSelfSigned writes cert.pem and key.pem for 127.0.0.1 into dir and
// returns a pool trusting the certificate.
func writeSelfSigned(t *testing.T, dir string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Minute),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.WriteFile(filepath.Join(dir, "cert.pem"), certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	return pool
}
