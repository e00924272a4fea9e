package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/crmcom-community/crmauth/serverimpl"
	"github.com/crmcom-community/crmauth/serverimpl/admin"
)

// writeCoverageReport writes the stub's coverage to path as JSON (the data of
// GET /_crmauth/coverage, so one reader serves both) and its short table to stderr.
func writeCoverageReport(stub *serverimpl.Stub, path string, stderr io.Writer) error {
	r, err := stub.Coverage()
	if err != nil {
		return err
	}
	data := admin.CoverageModel(r)
	b, err := json.MarshalIndent(data, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "coverage report written to %s\n", path)
	coverageTable(stderr, data)
	return nil
}
