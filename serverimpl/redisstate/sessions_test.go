package redisstate_test

import (
	"testing"
	"time"

	"github.com/crmcom-community/crmauth/internal/redistest"
	"github.com/crmcom-community/crmauth/serverimpl/redisstate"
	"github.com/crmcom-community/crmauth/serverimpl/sessions"
	"github.com/crmcom-community/crmauth/serverimpl/sessions/storetest"
)

func TestSessionsContractSingleNode(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	storetest.Run(t, func(t *testing.T) sessions.Store {
		return open(t, srv.URL(), redisstate.Config{}).Sessions()
	})
}

func TestSessionsContractCluster(t *testing.T) {
	c := redistest.StartCluster(t, redistest.Config{})
	storetest.Run(t, func(t *testing.T) sessions.Store {
		return open(t, clusterURL(c), redisstate.Config{}).Sessions()
	})
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
