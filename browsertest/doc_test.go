// Package browsertest drives the stub and the published docs in headless Chromium:
// the Swagger UI at /docs (swaggerui_test.go), a browser app on another origin calling the
// stub through CORS (crossorigin_test.go), the static `make docs` reference
// (staticdocs_test.go), and an app mocked with the real Mock Service Worker asking the stub's
// forward auth (msw_test.go). Each test saves a screenshot in test-artifacts/.
//
// They need Chromium (Debian: apt-get install chromium chromium-driver). Without it they
// skip with that message, except under CI=true, where they fail. msw_test.go also needs
// msw and esbuild from npm ci.
package browsertest
