"""The test-interface class: reset, fixtures, tokens, the clock and the payment simulator."""
