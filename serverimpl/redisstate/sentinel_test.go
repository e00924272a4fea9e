package redisstate_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/internal/redistest"
	"github.com/crmcom-community/crmauth/serverimpl/redisstate"
	"github.com/crmcom-community/crmauth/serverimpl/sessions"
)

// The documented Sentinel URL form (and go-redis's master_name, which earlier versions
// documented) reaches the master a sentinel monitors: a session stored through it, by Add or
// by an issuing method's one-step attempt, is in the master.
func TestSentinelURL(t *testing.T) {
	master := redistest.Start(t, redistest.Config{})
	sentinel := startSentinel(t, "crmauth-test", master.Port)
	for _, param := range []string{"master_set", "master_name"} {
		t.Run(param, func(t *testing.T) {
			st := open(t, "redis://"+sentinel+"?"+param+"=crmauth-test", redisstate.Config{Prefix: redisstate.DefaultPrefix})
			id := sessions.NewID()
			now := time.Now()
			s := sessions.Session{Method: sessions.MethodWebAPIKey, Holder: &sessions.Holder{Username: "u", Organisation: "o"}, IssuedAt: now.UnixNano(), Deadline: now.Add(time.Hour).UnixNano()}
			if err := st.Sessions().Add(ctx, id, s); err != nil {
				t.Fatal(err)
			}
			if n, err := master.Do("EXISTS", redisstate.DefaultPrefix+"s:{"+id.String()+"}"); err != nil || n != int64(1) {
				t.Fatalf("the session is not in the master: EXISTS %v, %v", n, err)
			}
			// Sentinel names one master: an issuing method's attempt is one script there too.
			at, ok := st.Sessions().Attempts(st.Failures(throttleAccounts()), st.Failures(throttleAccounts()))
			if !ok {
				t.Fatal("Sentinel offers no one-step attempts")
			}
			id = sessions.NewID()
			if wait, err := at.Open(ctx, "account", "client", id, &s); err != nil || wait != 0 {
				t.Fatalf("Open: wait %v, %v", wait, err)
			}
			if n, err := master.Do("EXISTS", redisstate.DefaultPrefix+"s:{"+id.String()+"}"); err != nil || n != int64(1) {
				t.Fatalf("the attempt's session is not in the master: EXISTS %v, %v", n, err)
			}
		})
	}
}

// startSentinel runs redis-server in Sentinel mode on a free port, monitoring the master on
// masterPort as name, and returns its address once it knows the master.
func startSentinel(t *testing.T, name string, masterPort int) string {
	redistest.Require(t, "redis-server")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	l.Close()
	dir := t.TempDir()
	conf := filepath.Join(dir, "sentinel.conf") // Sentinel rewrites its file: one of its own
	body := fmt.Sprintf("port %s\nbind 127.0.0.1\ndir %s\nsentinel monitor %s 127.0.0.1 %d 1\n", port, dir, name, masterPort)
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("redis-server", conf, "--sentinel")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	// Bounded polling: the sentinel process starts listening on its own time.
	for deadline := time.Now().Add(10 * time.Second); ; {
		got, err := redistest.Command(addr, time.Second, "SENTINEL", "get-master-addr-by-name", name)
		if err == nil && got != nil {
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("sentinel on %s not answering for %s: %v %v", addr, name, got, err)
		}
		time.Sleep(20 * time.Millisecond) // polling for another process to come up
	}
}
