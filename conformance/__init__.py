"""The BoB certification harness.

It learns the standard only through `spec` and never imports the reference server, so it can
certify any supplier's implementation: the runner (`conformance.runner.certify`) reads what the
server declares at `/conformance`, runs the checks of those classes (`conformance/checks/`) through a
client that validates every response against the spec, and writes the reports.
"""
