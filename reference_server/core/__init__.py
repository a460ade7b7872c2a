"""The core class: /api-info, /conformance, /me and the published OpenAPI document."""
