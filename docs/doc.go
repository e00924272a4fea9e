// Package docs holds the project's guides, docs/*.md, linked from README.md. It has no code:
// its test builds every Go block of the guides and the README (snippets_test.go).
package docs
