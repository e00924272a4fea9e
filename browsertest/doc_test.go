// Package browsertest drives the stub and the published docs in headless Chromium:
// the Swagger UI at /docs (swaggerui_test.go), a browser app on another origin calling the
// stub through CORS (crossorigin_test.go), and the static `make docs` reference
// (staticdocs_test.go). Each test saves a screenshot in test-artifacts/.
//
// They need Chromium (Debian: apt-get install chromium chromium-driver). Without it they
// skip with that message, except under CI=true, where they fail.
package browsertest
