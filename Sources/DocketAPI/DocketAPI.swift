// The generated contract module: `openapi.yaml` (a link to Sources/Docket/Resources/openapi.yaml) is compiled by the build plugin.
