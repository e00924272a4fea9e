package redistest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Config says how to run one redis-server. The zero value is an in-memory server that writes
// nothing to disk.
type Config struct {
	// Dir is the server's working directory (its append-only files, its log, a cluster
	// node's config file). Empty: Launch creates a temporary directory and Close removes it.
	Dir string
	// AppendOnly turns on the append-only file, so a Restart after Stop keeps every key.
	AppendOnly bool
	// AppendFsync is appendfsync when AppendOnly is set: "everysec" (Redis's default, the
	// default here) or "always" (every acknowledged write survives even Kill).
	AppendFsync string
	// StartTimeout bounds how long Launch and Restart wait for the server to answer PING.
	// Zero means 10 s.
	StartTimeout time.Duration
	// Args are further redis-server options, e.g. "--maxmemory", "10mb".
	Args []string

	clusterPort int // set by LaunchCluster: the node's cluster bus port
}

// Server is one redis-server process on 127.0.0.1. Stop, Kill and Restart keep its port and
// directory, so clients configured with Addr reconnect to the same server.
type Server struct {
	Addr string // "127.0.0.1:port"
	Port int
	Dir  string

	cfg     Config
	ownsDir bool

	mu     sync.Mutex
	proc   *exec.Cmd
	exited chan struct{} // closed when proc has been waited for
}

// ErrNotInstalled is wrapped by Launch and LaunchCluster when a binary is missing from PATH.
var ErrNotInstalled = errors.New("not installed")

// Binaries checks that the named programs are in PATH; the error names the missing ones and
// the Debian packages that provide them.
func Binaries(names ...string) error {
	var missing []string
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			missing = append(missing, n)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("%s %w in PATH (Debian packages redis-server and redis-tools)",
		strings.Join(missing, ", "), ErrNotInstalled)
}

// Launch starts redis-server on a free 127.0.0.1 port and returns once it answers PING.
// The caller must Close it.
func Launch(cfg Config) (*Server, error) {
	if err := Binaries("redis-server"); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, Dir: cfg.Dir}
	if s.Dir == "" {
		d, err := os.MkdirTemp("", "redistest-")
		if err != nil {
			return nil, err
		}
		s.Dir, s.ownsDir = d, true
	}
	// A free port can be taken by someone else between our probe and redis-server's bind:
	// try a few.
	var err error
	for range 5 {
		var port int
		if port, err = freePort(); err != nil {
			break
		}
		s.Port, s.Addr = port, net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if err = s.start(); err == nil {
			return s, nil
		}
		if !strings.Contains(err.Error(), "in use") {
			break
		}
	}
	if s.ownsDir {
		os.RemoveAll(s.Dir)
	}
	return nil, err
}

// URL is the redis:// URL of the server.
func (s *Server) URL() string { return "redis://" + s.Addr }

// LogPath is the server's log file, useful in failure messages.
func (s *Server) LogPath() string { return filepath.Join(s.Dir, "redis-"+strconv.Itoa(s.Port)+".log") }

func (s *Server) args() []string {
	a := []string{
		"--port", strconv.Itoa(s.Port),
		"--bind", "127.0.0.1",
		"--dir", s.Dir,
		"--save", "",
		"--daemonize", "no",
		"--logfile", s.LogPath(),
	}
	if s.cfg.AppendOnly {
		fsync := s.cfg.AppendFsync
		if fsync == "" {
			fsync = "everysec"
		}
		a = append(a, "--appendonly", "yes", "--appendfsync", fsync)
	} else {
		a = append(a, "--appendonly", "no")
	}
	if s.cfg.clusterPort != 0 {
		a = append(a,
			"--cluster-enabled", "yes",
			"--cluster-config-file", filepath.Join(s.Dir, "nodes-"+strconv.Itoa(s.Port)+".conf"),
			"--cluster-port", strconv.Itoa(s.cfg.clusterPort),
			"--cluster-node-timeout", "5000")
	}
	return append(a, s.cfg.Args...)
}

// start runs the process and waits for PING, polling the port until StartTimeout.
func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		return errors.New("redistest: " + s.Addr + " is already running")
	}
	cmd := exec.Command("redis-server", s.args()...)
	cmd.Dir = s.Dir
	setParentDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	s.proc, s.exited = cmd, exited

	timeout := s.cfg.StartTimeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			s.proc = nil
			return fmt.Errorf("redistest: redis-server on %s exited while starting: %s", s.Addr, s.logTail())
		default:
		}
		reply, err := Command(s.Addr, 250*time.Millisecond, "PING")
		if err == nil && reply == "PONG" {
			return nil
		}
		last = err // LOADING while it reads the append-only file, refused before it listens
		time.Sleep(10 * time.Millisecond)
	}
	s.killLocked()
	return fmt.Errorf("redistest: redis-server on %s gave no PONG within %v (last: %v): %s", s.Addr, timeout, last, s.logTail())
}

// logTail is the end of the server's log, for error messages.
func (s *Server) logTail() string {
	b, err := os.ReadFile(s.LogPath())
	if err != nil {
		return "no log: " + err.Error()
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return strings.Join(lines, " | ")
}

// Running reports whether the process is alive (it may still be starting).
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return false
	}
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// Stop shuts the server down with SIGTERM, as an orchestrator does (with AppendOnly, Redis
// flushes the append-only file first), and waits for it to exit; after 10 s it kills it.
// Stopping a stopped server does nothing.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return nil
	}
	s.proc.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
		s.proc = nil
		return nil
	case <-time.After(10 * time.Second):
		s.killLocked()
		return errors.New("redistest: redis-server on " + s.Addr + " ignored SIGTERM for 10 s; killed")
	}
}

// Kill ends the server with SIGKILL (a crash: without AppendFsync "always", up to a second of
// writes may be lost) and waits for it to exit.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.killLocked()
}

func (s *Server) killLocked() {
	if s.proc == nil {
		return
	}
	s.proc.Process.Kill()
	<-s.exited
	s.proc = nil
}

// Restart stops the server if it runs and starts it again on the same port and directory,
// returning once it answers PING (with AppendOnly, once it has loaded its data).
func (s *Server) Restart() error {
	if err := s.Stop(); err != nil {
		return err
	}
	return s.start()
}

// Start starts a stopped server again on its port and directory; see Restart.
func (s *Server) Start() error { return s.start() }

// Do sends one command (see Command) with a 5 s bound.
func (s *Server) Do(args ...string) (any, error) { return Command(s.Addr, 5*time.Second, args...) }

// Close kills the server and removes its directory if Launch created it.
func (s *Server) Close() error {
	s.Kill()
	if s.ownsDir {
		return os.RemoveAll(s.Dir)
	}
	return nil
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
