package httpstub

import "github.com/labstack/echo/v4"

// chainedRoutes registers the generated routes with their operation's middleware wrapped
// around the handler once, at registration. Echo's own route middleware is applied on every
// request: each middleware builds a new closure around the next handler, five allocations per
// request for the stub's chain (marking, client, faults, body rules, validation). All of them
// keep their per-request state inside the request, so one chain built at start-up serves
// every request alike.
type chainedRoutes struct{ e *echo.Echo }

func (r chainedRoutes) add(method, path string, h echo.HandlerFunc, m []echo.MiddlewareFunc) *echo.Route {
	for i := len(m) - 1; i >= 0; i-- {
		h = m[i](h)
	}
	return r.e.Add(method, path, h)
}

func (r chainedRoutes) CONNECT(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(echo.CONNECT, path, h, m)
}

func (r chainedRoutes) DELETE(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(echo.DELETE, path, h, m)
}

func (r chainedRoutes) GET(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(echo.GET, path, h, m)
}

func (r chainedRoutes) HEAD(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(echo.HEAD, path, h, m)
}

func (r chainedRoutes) OPTIONS(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(echo.OPTIONS, path, h, m)
}

func (r chainedRoutes) PATCH(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(echo.PATCH, path, h, m)
}

func (r chainedRoutes) POST(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(echo.POST, path, h, m)
}

func (r chainedRoutes) PUT(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(echo.PUT, path, h, m)
}

func (r chainedRoutes) TRACE(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.add(echo.TRACE, path, h, m)
}
