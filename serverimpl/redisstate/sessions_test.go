package redisstate_test

import (
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/internal/redistest"
	"github.com/crmcom-community/crmauth/serverimpl/redisstate"
	"github.com/crmcom-community/crmauth/serverimpl/sessions"
	"github.com/crmcom-community/crmauth/serverimpl/sessions/storetest"
	"github.com/crmcom-community/crmauth/serverimpl/throttle"
	"github.com/crmcom-community/crmauth/serverimpl/throttle/countertest"
)

func TestSessionsContractSingleNode(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	storetest.Run(t, func(t *testing.T) sessions.Store {
		return open(t, srv.URL(), redisstate.Config{}).Sessions()
	})
}

// The contracts on a 3-master Cluster, one for both (building it costs seconds). In Cluster
// the brake's account and client windows live in different slots: BlockedEach asks their
// nodes at once.
func TestContractsCluster(t *testing.T) {
	c := redistest.StartCluster(t, redistest.Config{})
	t.Run("sessions", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) sessions.Store {
			return open(t, clusterURL(c), redisstate.Config{}).Sessions()
		})
	})
	t.Run("recorder", func(t *testing.T) {
		// The journal and the counts share a hash tag: one script on one node writes both.
		checkRecorder(t, open(t, clusterURL(c), redisstate.Config{}))
	})
	t.Run("failures", func(t *testing.T) {
		countertest.Run(t, func(t *testing.T) countertest.Store {
			st := open(t, clusterURL(c), redisstate.Config{})
			return func(cfg throttle.Config) throttle.Counter { return st.Failures(cfg) }
		})
	})
	t.Run("brake", func(t *testing.T) { runBrakeContractCluster(t, clusterURL(c)) })
	// The offset's key is on another slot than a session's: it is read first, and then
	// decides as on a single node.
	t.Run("sharedClock", func(t *testing.T) { testShareTheClock(t, clusterURL(c)) })
	t.Run("clockMove", func(t *testing.T) { testClockMoveDecidesAtOnce(t, clusterURL(c), true) })
}

// A session costs at most 200 bytes in Redis, key included (MEMORY USAGE), for the largest
// holder the default fixtures have: a consumer token's, with cii and ari.
func TestSessionBytes(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	st := open(t, srv.URL(), redisstate.Config{Prefix: redisstate.DefaultPrefix})
	now := time.Now()
	holders := map[string]*sessions.Holder{
		"key":      {Username: "maytemplate", Organisation: "ps_dev", Unit: "1"},
		"consumer": {Username: "maytemplate", Organisation: "ps_dev", Unit: "1", Contact: "2695FED3FCFD4084AB39F44B18889123", AccountsReceivable: "261BF2B79198401D89A79C545F16CBEC"},
	}
	for name, h := range holders {
		id := sessions.NewID()
		s := sessions.Session{Method: sessions.MethodConsumerApplicationKey, Holder: h, IssuedAt: now.UnixNano(), Deadline: now.Add(2 * time.Hour).UnixNano()}
		if err := st.Sessions().Add(ctx, id, s); err != nil {
			t.Fatal(err)
		}
		n, err := srv.Do("MEMORY", "USAGE", redisstate.DefaultPrefix+"s:{"+id.String()+"}")
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s session: MEMORY USAGE %d bytes", name, n)
		if n.(int64) > 200 {
			t.Errorf("%s session costs %d bytes in Redis, budget 200", name, n)
		}
	}
}
