"""The events class: the feed of what changed (GET /events), written by the transactional outbox."""
