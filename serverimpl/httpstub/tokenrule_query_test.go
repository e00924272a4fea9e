package httpstub

import (
	"net/url"
	"strings"
	"testing"
)

// queryTokens finds the same token parameters as url.URL.Query, over every query made of up to
// three pairs from a catalogue of plain, escaped, malformed and look-alike ones, and over
// queries long enough to be left to url.ParseQuery.
func TestQueryTokensMatchURLQuery(t *testing.T) {
	pairs := []string{
		"", "token=a.b.c", "token=", "token", "token=x.y.z", "tok%65n=a.b.c", "token=a%2Eb.c", "token=a%2",
		"token=a;b", "x=1;token=q", "=token", "TOKEN=a", "token=a+b", "token=%41", "token%3Da=b", "token=a=b",
		"t%zzoken=a", "x=1", "token==", "%74oken=v",
	}
	queries := []string{"", "&", "&&", strings.Repeat("a=1&", 70) + "token=late", strings.Repeat("&", 80) + "token=t"}
	for _, a := range pairs {
		for _, b := range pairs {
			for _, c := range pairs {
				queries = append(queries, a+"&"+b+"&"+c, a+"&"+b, a)
			}
		}
	}
	for _, q := range queries {
		u := &url.URL{Path: "/x", RawQuery: q}
		var want, got tokenCandidates
		for _, v := range u.Query()["token"] {
			want.add(v, "the token query parameter")
		}
		queryTokens(u, &got)
		if got != want {
			t.Fatalf("query %q: queryTokens found %+v, url.Query %+v", q, got, want)
		}
	}
	t.Logf("%d queries compared", len(queries))
}
