package httpstub

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// TestCORSWithoutOriginAsEcho: cors answers every request as Echo's CORS middleware with the
// same configuration does (status, every header, body), with and without Origin, preflight or
// not, allowed origin or not, a route that sets Vary itself or not.
func TestCORSWithoutOriginAsEcho(t *testing.T) {
	for _, origins := range [][]string{nil, {"http://app.example"}} {
		want := origins
		if len(want) == 0 {
			want = []string{"*"}
		}
		serve := func(mw echo.MiddlewareFunc, method, origin string, setsVary bool) *httptest.ResponseRecorder {
			e := echo.New()
			handler := func(c echo.Context) error {
				if setsVary {
					c.Response().Header().Add(echo.HeaderVary, "Accept-Encoding")
				}
				return c.String(http.StatusOK, "answer")
			}
			e.Any("/x", handler, mw)
			r := httptest.NewRequest(method, "/x", nil)
			if origin != "" {
				r.Header.Set(echo.HeaderOrigin, origin)
				r.Header.Set(echo.HeaderAccessControlRequestMethod, http.MethodPost)
			}
			w := httptest.NewRecorder()
			e.ServeHTTP(w, r)
			return w
		}
		for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodDelete, http.MethodOptions} {
			for _, origin := range []string{"", "http://app.example", "http://other.example"} {
				for _, setsVary := range []bool{false, true} {
					got := serve(cors(origins), method, origin, setsVary)
					echoes := serve(middleware.CORSWithConfig(corsConfig(want)), method, origin, setsVary)
					if got.Code != echoes.Code || !reflect.DeepEqual(got.Header(), echoes.Header()) || got.Body.String() != echoes.Body.String() {
						t.Errorf("%v %s origin %q, route sets Vary %v:\n  cors: %d %v %q\n  Echo: %d %v %q", origins, method, origin, setsVary,
							got.Code, got.Header(), got.Body, echoes.Code, echoes.Header(), echoes.Body)
					}
				}
			}
		}
	}
}
